import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { ProbeResponse } from './expectations.ts';
import type { SendProbe } from './probe.ts';
import type { ProbeSpec } from './probe-spec.ts';
import { redactUrl, runProbes, type SmokeTestOptions } from './smoke-test.ts';
import { parseStatusRange } from './status-range.ts';

const options: SmokeTestOptions = {
  timeoutMs: 1_000,
  maxAttempts: 3,
  retryDelayMs: 1,
  maxRetryDelayMs: 5,
  deadlineMs: 5_000,
  concurrency: 4,
};

function spec(url: string, overrides: Partial<ProbeSpec> = {}): ProbeSpec {
  return { url, method: 'GET', headers: {}, expectStatus: parseStatusRange('200')!, ...overrides };
}

function answer(status: number, latencyMs = 12, body = ''): ProbeResponse {
  return { status, body, latencyMs };
}

/** The error undici's fetch throws when nothing listens on the port. */
function connectionError(code: string, message = `connect ${code} 127.0.0.1:9`): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
}

/** A send that plays the scripted outcomes in turn (the last one repeats), counting calls. */
function scripted(...outcomes: (ProbeResponse | Error | 'hang')[]) {
  let calls = 0;
  const send: SendProbe = (_spec, signal) => {
    const outcome = outcomes[Math.min(calls, outcomes.length - 1)]!;
    calls++;
    if (outcome === 'hang') return untilAborted(signal);
    return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
  };
  return { send, calls: () => calls };
}

/** Never answers; rejects with the signal's reason, as fetch does. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runProbes', () => {
  it('reports a healthy URL after one attempt, with status and rounded latency', async () => {
    const { send, calls } = scripted(answer(200, 12.4));
    const results = await runProbes([spec('https://app.example/health')], options, send);
    assert.deepEqual(results, [
      { url: 'https://app.example/health', method: 'GET', ok: true, status: 200, attempts: 1, latencyMs: 12 },
    ]);
    assert.equal(calls(), 1);
  });

  it('retries until the URL is healthy and counts the attempts', async () => {
    const { send, calls } = scripted(answer(503), connectionError('ECONNREFUSED'), answer(200, 7));
    const [result] = await runProbes([spec('https://app.example/')], { ...options, maxAttempts: 5 }, send);
    assert.deepEqual(result, {
      url: 'https://app.example/',
      method: 'GET',
      ok: true,
      status: 200,
      attempts: 3,
      latencyMs: 7,
    });
    assert.equal(calls(), 3);
  });

  it('gives up after maxAttempts with the reason of the last attempt', async () => {
    const { send, calls } = scripted(answer(503, 30));
    const [result] = await runProbes([spec('https://app.example/')], options, send);
    assert.deepEqual(result, {
      url: 'https://app.example/',
      method: 'GET',
      ok: false,
      status: 503,
      attempts: 3,
      latencyMs: 30,
      error: 'status 503, expected 200',
    });
    assert.equal(calls(), 3);
  });

  it('judges the answer against the expectations of the spec', async () => {
    const { send } = scripted(answer(200, 5, '{"status":"starting"}'));
    const [result] = await runProbes(
      [spec('https://app.example/', { expectJson: { status: 'ok' } })],
      { ...options, maxAttempts: 2 },
      send,
    );
    assert.equal(result!.ok, false);
    assert.equal(result!.attempts, 2);
    assert.equal(result!.error, 'JSON path status is "starting", expected "ok"');
  });

  it('reports a refused connection in words, with no status', async () => {
    const { send, calls } = scripted(connectionError('ECONNREFUSED'));
    const [result] = await runProbes([spec('http://127.0.0.1:9/')], options, send);
    assert.deepEqual(result, {
      url: 'http://127.0.0.1:9/',
      method: 'GET',
      ok: false,
      attempts: 3,
      error: 'connection refused',
    });
    assert.equal(calls(), 3);
  });

  it('describes other network failures in words', async () => {
    const cases: [Error, string][] = [
      [connectionError('ENOTFOUND'), 'host not found'],
      [connectionError('EAI_AGAIN'), 'host not found'],
      [connectionError('ECONNRESET'), 'connection reset'],
      [connectionError('UND_ERR_SOCKET'), 'connection reset'],
      [connectionError('CERT_HAS_EXPIRED', 'certificate has expired'), 'TLS error: certificate has expired'],
      [
        connectionError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
        "TLS error: Hostname/IP does not match certificate's altnames",
      ],
      [new Error('socket hang up'), 'socket hang up'],
    ];
    for (const [error, expected] of cases) {
      const { send } = scripted(error);
      const [result] = await runProbes([spec('https://app.example/')], { ...options, maxAttempts: 1 }, send);
      assert.equal(result!.error, expected);
    }
  });

  it('reports an attempt that gets no answer within the timeout', async () => {
    const { send, calls } = scripted('hang');
    const [result] = await runProbes(
      [spec('https://slow.example/')],
      { ...options, timeoutMs: 20, maxAttempts: 2 },
      send,
    );
    assert.deepEqual(result, {
      url: 'https://slow.example/',
      method: 'GET',
      ok: false,
      attempts: 2,
      error: 'no answer within 20ms',
    });
    assert.equal(calls(), 2);
  });

  it('stops retrying at the deadline and says how many attempts were made and why the last failed', async () => {
    const { send, calls } = scripted(connectionError('ECONNREFUSED'));
    const started = performance.now();
    const [result] = await runProbes(
      [spec('https://app.example/')],
      { ...options, maxAttempts: 1_000, retryDelayMs: 5, maxRetryDelayMs: 5, deadlineMs: 80 },
      send,
    );
    assert.ok(performance.now() - started < 2_000, 'returned soon after the deadline');
    assert.equal(result!.ok, false);
    assert.ok(calls() > 1 && calls() < 1_000, `retried until the deadline (${calls()} calls)`);
    assert.equal(result!.attempts, calls());
    assert.equal(result!.error, `deadline of 80ms reached after ${calls()} attempt(s); last: connection refused`);
  });

  it('keeps the reason of the last failed attempt when the deadline cuts the next one short', async () => {
    const { send, calls } = scripted(answer(503, 9), 'hang');
    const [result] = await runProbes([spec('https://app.example/')], { ...options, deadlineMs: 60 }, send);
    assert.equal(calls(), 2);
    assert.deepEqual(result, {
      url: 'https://app.example/',
      method: 'GET',
      ok: false,
      status: 503,
      attempts: 2,
      latencyMs: 9,
      error: 'deadline of 60ms reached after 2 attempt(s); last: status 503, expected 200',
    });
  });

  it('does not call the cut-short attempt a failure of its own when it was the only one', async () => {
    const { send } = scripted('hang');
    const [result] = await runProbes([spec('https://app.example/')], { ...options, deadlineMs: 30 }, send);
    assert.equal(result!.error, 'deadline of 30ms reached after 1 attempt(s)');
    assert.equal(result!.attempts, 1);
  });

  it('fails URLs still waiting for a slot at the deadline without probing them', async () => {
    const sent: string[] = [];
    const send: SendProbe = (s, signal) => {
      sent.push(s.url);
      return untilAborted(signal);
    };
    const results = await runProbes(
      [spec('https://a.example/'), spec('https://b.example/')],
      { ...options, concurrency: 1, deadlineMs: 30 },
      send,
    );
    assert.deepEqual(sent, ['https://a.example/']);
    assert.deepEqual(results[1], {
      url: 'https://b.example/',
      method: 'GET',
      ok: false,
      attempts: 0,
      error: 'deadline of 30ms reached before the first attempt',
    });
  });

  it('never has more requests in flight than the concurrency limit', async () => {
    let inFlight = 0;
    let most = 0;
    const send: SendProbe = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(5);
      inFlight--;
      return answer(200);
    };
    const specs = Array.from({ length: 7 }, (_, i) => spec(`https://app.example/${i}`));
    const results = await runProbes(specs, { ...options, concurrency: 2 }, send);
    assert.equal(most, 2);
    assert.ok(results.every((r) => r.ok));
  });

  it('keeps the order of the specs, whatever order the answers come in', async () => {
    const delays: Record<string, number> = {
      'https://a.example/': 30,
      'https://b.example/': 1,
      'https://c.example/': 15,
    };
    const answered: string[] = [];
    const send: SendProbe = async (s) => {
      await sleep(delays[s.url]!);
      answered.push(s.url);
      return answer(s.url === 'https://b.example/' ? 500 : 200);
    };
    const results = await runProbes(
      Object.keys(delays).map((url) => spec(url)),
      { ...options, maxAttempts: 1 },
      send,
    );
    assert.deepEqual(answered, ['https://b.example/', 'https://c.example/', 'https://a.example/']);
    assert.deepEqual(
      results.map((r) => [r.url, r.ok]),
      [
        ['https://a.example/', true],
        ['https://b.example/', false],
        ['https://c.example/', true],
      ],
    );
  });

  it('passes the spec to send', async () => {
    const seen: ProbeSpec[] = [];
    const send: SendProbe = async (s) => {
      seen.push(s);
      return answer(201);
    };
    const probe = spec('https://api.example/orders', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
      expectStatus: parseStatusRange('201')!,
    });
    const [result] = await runProbes([probe], options, send);
    assert.deepEqual(seen, [probe]);
    assert.equal(result!.method, 'POST');
    assert.equal(result!.ok, true);
  });

  it('logs each retry and the outcome without the URL password', async () => {
    const lines: string[] = [];
    const { send } = scripted(answer(503), answer(200, 4));
    await runProbes([spec('https://deploy:s3cret@app.example/health')], options, send, (line) => lines.push(line));
    assert.deepEqual(lines, [
      'GET https://deploy:***@app.example/health: attempt 1/3 failed: status 503, expected 200; retrying',
      'GET https://deploy:***@app.example/health: healthy (status 200, 4ms, attempt 2)',
    ]);
  });

  it('logs why an unhealthy URL failed', async () => {
    const lines: string[] = [];
    const { send } = scripted(connectionError('ECONNREFUSED'));
    await runProbes([spec('http://127.0.0.1:9/')], { ...options, maxAttempts: 2 }, send, (line) => lines.push(line));
    assert.equal(lines.at(-1), 'GET http://127.0.0.1:9/: unhealthy after 2 attempt(s): connection refused');
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest of the URL', () => {
    assert.equal(
      redactUrl('https://deploy:s3cret@app.example:8443/health?full=1'),
      'https://deploy:***@app.example:8443/health?full=1',
    );
  });

  it('hides a percent-encoded password', () => {
    assert.equal(redactUrl('https://u:p%40ss%3Aword@app.example/'), 'https://u:***@app.example/');
  });

  it('returns a URL without credentials unchanged', () => {
    assert.equal(redactUrl('https://app.example/health'), 'https://app.example/health');
  });

  it('hides a token given as the user name', () => {
    assert.equal(redactUrl('https://ghp_abc123def456@app.example/'), 'https://***@app.example/');
    assert.equal(redactUrl('https://x-access-token:ghs_abc@app.example/'), 'https://x-access-token:***@app.example/');
  });
});
