import pLimit from 'p-limit';
import { formatDuration } from '../util/duration.ts';
import { retry } from '../util/retry.ts';
import { judge } from './expectations.ts';
import type { SendProbe } from './probe.ts';
import type { ProbeSpec } from './probe-spec.ts';
import { withoutCredentials } from './url-credentials.ts';

export interface SmokeTestOptions {
  /** Limit of one attempt. */
  timeoutMs: number;
  maxAttempts: number;
  /** First delay between attempts; doubles, with jitter, up to maxRetryDelayMs. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** Limit of the whole run; probes still unhealthy then fail. */
  deadlineMs: number;
  concurrency: number;
}

export interface ProbeResult {
  url: string;
  method: string;
  ok: boolean;
  /** Status of the last answer, if any came. */
  status?: number;
  attempts: number;
  latencyMs?: number;
  /** Why the last attempt failed. */
  error?: string;
}

class ProbeFailure extends Error {}

const STOPPED = 'stopped at the deadline';

/**
 * Probes every URL concurrently until it meets its expectations, its attempts
 * run out or the deadline passes. Never throws for an unhealthy URL: the
 * result says why.
 */
export async function runProbes(
  specs: readonly ProbeSpec[],
  options: SmokeTestOptions,
  send: SendProbe,
  log: (line: string) => void = () => {},
): Promise<ProbeResult[]> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.deadlineMs);
  const limit = pLimit(options.concurrency);
  try {
    return await Promise.all(
      specs.map((spec) => limit(() => probeUntilHealthy(spec, options, send, deadline.signal, log))),
    );
  } finally {
    clearTimeout(timer);
  }
}

async function probeUntilHealthy(
  spec: ProbeSpec,
  options: SmokeTestOptions,
  send: SendProbe,
  deadline: AbortSignal,
  log: (line: string) => void,
): Promise<ProbeResult> {
  const result: ProbeResult = { url: spec.url, method: spec.method, ok: false, attempts: 0 };
  const label = `${spec.method} ${redactUrl(spec.url)}`;
  // The reason of the last failed attempt: the deadline's abort replaces the thrown error.
  let lastFailure = '';
  if (deadline.aborted)
    return { ...result, error: `deadline of ${formatDuration(options.deadlineMs)} reached before the first attempt` };
  try {
    await retry(
      async (attempt) => {
        result.attempts = attempt;
        const signal = AbortSignal.any([deadline, AbortSignal.timeout(options.timeoutMs)]);
        const response = await send(spec, signal).catch((error: unknown) => {
          const why = describeRequestError(error, options.timeoutMs, deadline);
          // An attempt cut short by the deadline tells nothing: keep the last real failure.
          if (why !== STOPPED) {
            delete result.status;
            delete result.latencyMs;
            lastFailure = why;
          }
          throw new ProbeFailure(why);
        });
        result.status = response.status;
        result.latencyMs = Math.round(response.latencyMs);
        const verdict = judge(spec, response);
        if (!verdict.ok) {
          lastFailure = verdict.reason;
          throw new ProbeFailure(verdict.reason);
        }
      },
      {
        attempts: options.maxAttempts,
        firstDelayMs: options.retryDelayMs,
        maxDelayMs: options.maxRetryDelayMs,
        signal: deadline,
        onRetry: (error, attempt) =>
          log(`${label}: attempt ${attempt}/${options.maxAttempts} failed: ${message(error)}; retrying`),
      },
    );
    log(`${label}: healthy (status ${result.status}, ${result.latencyMs}ms, attempt ${result.attempts})`);
    return { ...result, ok: true };
  } catch (error) {
    const why = deadline.aborted
      ? `deadline of ${formatDuration(options.deadlineMs)} reached after ${result.attempts} attempt(s)${lastFailure ? `; last: ${lastFailure}` : ''}`
      : message(error);
    log(`${label}: unhealthy after ${result.attempts} attempt(s): ${why}`);
    return { ...result, error: why };
  }
}

/** Turns a failed request into a short reason a person understands. */
function describeRequestError(error: unknown, timeoutMs: number, deadline: AbortSignal): string {
  if (deadline.aborted) return STOPPED;
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer within ${formatDuration(timeoutMs)}`;
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT')) return `TLS error: ${err.cause?.message ?? code}`;
  return err.cause?.message ?? err.message ?? String(error);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A URL without its credentials (the password, and a token given as the user name), for logs and summaries. */
export function redactUrl(url: string): string {
  return withoutCredentials(url);
}
