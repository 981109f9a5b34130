import { describe, expect, it } from 'vitest';
import assert from 'node:assert/strict';
import { judge, type ProbeResponse } from './expectations.ts';
import { maskSecret } from '../action/mask.ts';
import type { ProbeSpec } from './probe-spec.ts';
import { parseStatusRange } from './status-range.ts';

function spec(overrides: Partial<ProbeSpec> = {}): ProbeSpec {
  return {
    url: 'https://app.example/health',
    method: 'GET',
    headers: {},
    expectStatus: parseStatusRange('200-299')!,
    ...overrides,
  };
}

function response(overrides: Partial<ProbeResponse> = {}): ProbeResponse {
  return { status: 200, body: '', latencyMs: 10, ...overrides };
}

const healthBody = JSON.stringify({
  status: 'ok',
  version: { major: 2, minor: 5 },
  db: { connected: true, pool: 5 },
  items: [{ id: 1 }, { id: 2 }],
  tags: ['a', 'b'],
  error: null,
  count: 3,
});

describe('judge', () => {
  it('passes a response that meets every expectation', () => {
    assert.deepEqual(judge(spec(), response({ status: 204 })), { ok: true });
  });

  describe('status', () => {
    it('fails a status outside the range, saying what was expected', () => {
      assert.deepEqual(judge(spec(), response({ status: 503 })), { ok: false, reason: 'status 503, expected 200-299' });
      assert.deepEqual(judge(spec({ expectStatus: parseStatusRange('200,204')! }), response({ status: 201 })), {
        ok: false,
        reason: 'status 201, expected 200,204',
      });
    });
  });

  describe('body pattern', () => {
    it('passes a body that matches anywhere', () => {
      assert.deepEqual(judge(spec({ expectBody: /"status":\s*"ok"/ }), response({ body: healthBody })), { ok: true });
    });

    it('fails a body that does not match, showing the pattern', () => {
      assert.deepEqual(judge(spec({ expectBody: /ready|live/ }), response({ body: 'starting' })), {
        ok: false,
        reason: 'body does not match /ready|live/',
      });
    });
  });

  describe('JSON paths', () => {
    const pass = (expectJson: Record<string, unknown>) => judge(spec({ expectJson }), response({ body: healthBody }));

    it('finds values by $-rooted and bare dotted paths', () => {
      assert.deepEqual(pass({ '$.status': 'ok', 'version.major': 2, '$.db.connected': true, status: 'ok' }), {
        ok: true,
      });
    });

    it('finds array elements and wildcards', () => {
      assert.deepEqual(pass({ 'items[0].id': 1, '$.items[1].id': 2, '$.items[*].id': [1, 2], tags: ['a', 'b'] }), {
        ok: true,
      });
    });

    it('compares objects deeply, whatever the key order', () => {
      assert.deepEqual(pass({ db: { pool: 5, connected: true } }), { ok: true });
    });

    it('fails an object with keys that differ, showing both values', () => {
      assert.deepEqual(pass({ '$.db': { connected: true } }), {
        ok: false,
        reason: 'JSON path $.db is {"connected":true,"pool":5}, expected {"connected":true}',
      });
    });

    it('fails a different value, showing both', () => {
      assert.deepEqual(judge(spec({ expectJson: { status: 'ok' } }), response({ body: '{"status":"degraded"}' })), {
        ok: false,
        reason: 'JSON path status is "degraded", expected "ok"',
      });
    });

    it('does not take a number for a string', () => {
      assert.deepEqual(pass({ '$.count': '3' }), { ok: false, reason: 'JSON path $.count is 3, expected "3"' });
    });

    it('fails an array with other elements', () => {
      assert.deepEqual(pass({ tags: ['b', 'a'] }), {
        ok: false,
        reason: 'JSON path tags is ["a","b"], expected ["b","a"]',
      });
    });

    it('masks registered secrets in a value the response echoes, then cuts a long one', () => {
      maskSecret('Bearer tok-91c4e7a2b5');
      const echoed = (value: string) =>
        judge(spec({ expectJson: { auth: 'none' } }), response({ body: JSON.stringify({ auth: value }) }));
      expect(echoed('Bearer tok-91c4e7a2b5')).toEqual({
        ok: false,
        reason: 'JSON path auth is "***", expected "none"',
      });
      const long = echoed(`${'z'.repeat(70)}Bearer tok-91c4e7a2b5`);
      expect(long).toEqual({ ok: false, reason: `JSON path auth is "${'z'.repeat(70)}***", expected "none"` });
      const cut = echoed('y'.repeat(500));
      expect(cut).toEqual({ ok: false, reason: `JSON path auth is "${'y'.repeat(78)}…, expected "none"` });
    });

    it('matches a null value that is present', () => {
      assert.deepEqual(pass({ '$.error': null }), { ok: true });
    });

    it('fails a path that is not there, naming it as written', () => {
      assert.deepEqual(pass({ 'db.replica.lag': 0 }), { ok: false, reason: 'JSON path db.replica.lag not found' });
      assert.deepEqual(pass({ '$.items[5].id': 6 }), { ok: false, reason: 'JSON path $.items[5].id not found' });
    });

    it('fails a body that is not JSON', () => {
      assert.deepEqual(judge(spec({ expectJson: { status: 'ok' } }), response({ body: '<html>OK</html>' })), {
        ok: false,
        reason: 'body is not JSON',
      });
    });

    it('reports the first path that fails, in the order written', () => {
      assert.deepEqual(pass({ status: 'ok', 'version.major': 3, count: 4 }), {
        ok: false,
        reason: 'JSON path version.major is 2, expected 3',
      });
    });
  });

  describe('latency', () => {
    it('passes a response at the limit', () => {
      assert.deepEqual(judge(spec({ maxLatencyMs: 500 }), response({ latencyMs: 500 })), { ok: true });
    });

    it('fails a slower response, with whole milliseconds', () => {
      assert.deepEqual(judge(spec({ maxLatencyMs: 500 }), response({ latencyMs: 731.6 })), {
        ok: false,
        reason: 'latency 732ms over the limit of 500ms',
      });
    });
  });

  it('reports the first unmet expectation: status, then body, then JSON, then latency', () => {
    const strict = spec({ expectBody: /ok/, expectJson: { status: 'ok' }, maxLatencyMs: 100 });
    assert.deepEqual(judge(strict, response({ status: 500, body: 'nope', latencyMs: 900 })), {
      ok: false,
      reason: 'status 500, expected 200-299',
    });
    assert.deepEqual(judge(strict, response({ body: 'nope', latencyMs: 900 })), {
      ok: false,
      reason: 'body does not match /ok/',
    });
    assert.deepEqual(judge(strict, response({ body: '{"status":"broken"}', latencyMs: 900 })), {
      ok: false,
      reason: 'JSON path status is "broken", expected "ok"',
    });
    assert.deepEqual(judge(strict, response({ body: '{"status":"ok"}', latencyMs: 900 })), {
      ok: false,
      reason: 'latency 900ms over the limit of 100ms',
    });
    assert.deepEqual(judge(strict, response({ body: '{"status":"ok"}', latencyMs: 90 })), { ok: true });
  });
});
