import type { Dispatcher } from 'undici';
import type { ProbeSpec } from './probe-spec.ts';
import type { ProbeResponse } from './expectations.ts';

/** Sends one probe request; the edge that tests replace with real servers. */
export type SendProbe = (spec: ProbeSpec, signal: AbortSignal) => Promise<ProbeResponse>;

export interface ProbeClientOptions {
  followRedirects: boolean;
  insecureTls: boolean;
}

// Bodies are read only to match expectations; a health endpoint that streams
// megabytes should not fill memory.
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An HTTP client for probes: Node's own fetch. The undici package is loaded
 * only for `insecure-tls`, since loading it costs every run ~60 ms of start-up.
 */
export async function createProbeClient(
  options: ProbeClientOptions,
): Promise<{ send: SendProbe; close: () => Promise<void> }> {
  let dispatcher: Dispatcher | undefined;
  if (options.insecureTls) {
    // A lazy chunk of the bundle: only a step with insecure-tls loads it.
    const { Agent } = await import('undici');
    dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  }
  const send: SendProbe = async (spec, signal) => {
    const { url, headers } = credentialsAsHeader(spec.url, spec.headers);
    const started = performance.now();
    const response = await fetch(url, {
      method: spec.method,
      headers,
      ...(spec.body === undefined ? {} : { body: spec.body }),
      redirect: options.followRedirects ? 'follow' : 'manual',
      ...(dispatcher ? { dispatcher } : {}),
      signal,
    });
    const body = await readCapped(response.body, MAX_BODY_BYTES);
    return { status: response.status, body, latencyMs: performance.now() - started };
  };
  return { send, close: async () => dispatcher?.close() };
}

async function readCapped(stream: AsyncIterable<Uint8Array> | null, limit: number): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/**
 * Fetch refuses URLs with credentials; like curl, send them as Basic auth
 * unless the probe sets its own Authorization header.
 */
function credentialsAsHeader(text: string, headers: Record<string, string>) {
  const url = new URL(text);
  if (!url.username && !url.password) return { url: text, headers };
  const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString(
    'base64',
  );
  url.username = '';
  url.password = '';
  const hasAuth = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
  return { url: url.toString(), headers: hasAuth ? headers : { ...headers, authorization: `Basic ${basic}` } };
}
