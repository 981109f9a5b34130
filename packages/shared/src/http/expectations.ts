import { isDeepStrictEqual } from 'node:util';
import { JSONPath } from 'jsonpath-plus';
import { redact } from '../action/mask.ts';
import type { ProbeSpec } from './probe-spec.ts';

/** What came back from one request. */
export interface ProbeResponse {
  status: number;
  body: string;
  latencyMs: number;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Judges one response against a probe's expectations; the first unmet one is the reason. */
export function judge(spec: ProbeSpec, response: ProbeResponse): Verdict {
  if (!spec.expectStatus.includes(response.status)) {
    return { ok: false, reason: `status ${response.status}, expected ${spec.expectStatus.text}` };
  }
  if (spec.expectBody && !spec.expectBody.test(response.body)) {
    return { ok: false, reason: `body does not match /${spec.expectBody.source}/` };
  }
  if (spec.expectJson) {
    const reason = judgeJson(spec.expectJson, response.body);
    if (reason) return { ok: false, reason };
  }
  if (spec.maxLatencyMs !== undefined && response.latencyMs > spec.maxLatencyMs) {
    return {
      ok: false,
      reason: `latency ${Math.round(response.latencyMs)}ms over the limit of ${spec.maxLatencyMs}ms`,
    };
  }
  return { ok: true };
}

function judgeJson(expected: Record<string, unknown>, body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  for (const [path, want] of Object.entries(expected)) {
    const query = path.startsWith('$') ? path : `$.${path}`;
    const found = JSONPath({ path: query, json: json as object, wrap: true, eval: false }) as unknown[];
    if (found.length === 0) return `JSON path ${path} not found`;
    const actual = found.length === 1 ? found[0] : found;
    if (!isDeepStrictEqual(actual, want)) {
      return `JSON path ${path} is ${shown(actual)}, expected ${shown(want)}`;
    }
  }
  return undefined;
}

/** Longest value of a response quoted in a reason. */
const MAX_SHOWN = 80;

/**
 * A value of the response, for a reason that goes to the log, the `results`
 * output and the summary. A response may echo what the probe sent (a header
 * value, a token): registered secrets are masked before the value is cut — a
 * cut secret would no longer be recognised — and a long value is cut rather
 * than dumped.
 */
function shown(value: unknown): string {
  return cut(redact(JSON.stringify(value) ?? String(value)));
}

function cut(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}
