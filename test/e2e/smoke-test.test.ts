import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../harness/run-action.ts';
import { closedPortUrl, routes, startHttpApp, type HttpApp } from '../services/http-app.ts';

// The committed smoke-test bundle, run as the runner runs it, against real
// HTTP servers on loopback. Short delays keep retries quick.
const FAST = { 'retry-delay': '20ms', 'max-retry-delay': '50ms', timeout: '2s' };

interface ResultEntry {
  url: string;
  ok: boolean;
  status: number | null;
  attempts: number;
  'latency-ms': number | null;
  error: string | null;
}

async function smokeTest(inputs: Record<string, string>): Promise<ActionRun & { results: ResultEntry[] }> {
  const run = await runAction('smoke-test', { inputs: { ...FAST, ...inputs } });
  await run.cleanup();
  const results = run.main.outputs.results ? (JSON.parse(run.main.outputs.results) as ResultEntry[]) : [];
  return Object.assign(run, { results });
}

describe('smoke-test end to end', () => {
  let app: HttpApp;
  beforeAll(async () => {
    app = await startHttpApp({
      '/health': routes.ok('OK healthy'),
      '/ready': routes.json({ status: 'ready', checks: { db: 'up' }, version: 3 }),
      '/flapping': routes.flapping(2),
      '/down': routes.status(503, 'down'),
      '/slow': routes.slow(300),
      '/old': routes.redirect('/health'),
      '/echo': (req, res) => void res.writeHead(200).end(JSON.stringify(req)),
      // Echoes the credentials it was sent, as a debug endpoint might.
      '/whoami': (req, res) =>
        void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ auth: req.headers.authorization ?? null, key: req.headers['x-api-key'] ?? null })),
      ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`/slow-${i}`, routes.slow(150)])),
    });
  });
  afterAll(() => app.close());

  it('passes when every URL is healthy, with outputs and a summary table', async () => {
    const run = await smokeTest({ urls: `${app.url}/health\n${app.url}/ready` });
    assert.equal(run.main.exitCode, 0, run.main.log);
    assert.equal(run.main.outputs.passed, 'true');
    assert.equal(run.main.outputs['failed-urls'], '');
    assert.deepEqual(
      run.results.map((r) => [r.url, r.ok, r.status, r.attempts, r.error]),
      [
        [`${app.url}/health`, true, 200, 1, null],
        [`${app.url}/ready`, true, 200, 1, null],
      ],
    );
    assert.ok(run.results.every((r) => typeof r['latency-ms'] === 'number'));
    assert.match(run.main.summary, /Smoke test passed: 2 of 2 URLs healthy/);
    assert.match(run.main.summary, new RegExp(`\\| ✅ \\| GET \\| ${app.url}/ready \\| 1 \\| 200 \\|`));
    assert.equal(run.main.outputs['failure-reason'], undefined);
  });

  it('retries a flapping URL until it answers', async () => {
    const run = await smokeTest({ urls: `${app.url}/flapping` });
    assert.equal(run.main.exitCode, 0, run.main.log);
    assert.equal(run.results[0]?.attempts, 3);
    assert.equal(run.results[0]?.status, 200);
    assert.match(run.main.log, /attempt 1\/10 failed: status 503, expected 200-399; retrying/);
  });

  it('fails a URL slower than max-latency after its attempts', async () => {
    const run = await smokeTest({ urls: `${app.url}/slow`, 'max-latency': '100ms', 'max-attempts': '2' });
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs.passed, 'false');
    assert.equal(run.main.outputs['failure-reason'], 'probes-failed');
    assert.equal(run.results[0]?.attempts, 2);
    assert.match(run.results[0]?.error ?? '', /^latency \d+ms over the limit of 100ms$/);
    assert.ok((run.results[0]?.['latency-ms'] ?? 0) >= 300);
    assert.equal(run.main.outputs['failed-urls'], `${app.url}/slow`);
    assert.ok(run.main.annotations.some((a) => a.level === 'error' && a.message.includes('over the limit')));
  });

  it('fails on a wrong body and on wrong JSON, naming what differed', async () => {
    const run = await smokeTest({
      'max-attempts': '1',
      checks: [
        `- url: ${app.url}/health`,
        `  expect-body: 'version \\d+'`,
        `- url: ${app.url}/ready`,
        `  expect-json:`,
        `    status: ready`,
        `    checks.db: down`,
      ].join('\n'),
    });
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.results[0]?.error, 'body does not match /version \\d+/');
    assert.equal(run.results[1]?.error, 'JSON path checks.db is "up", expected "down"');
    assert.match(run.main.summary, /Smoke test failed: 2 of 2 URLs unhealthy/);
  });

  it('passes JSON expectations and sends method, headers and body from checks', async () => {
    const run = await smokeTest({
      checks: [
        `- url: ${app.url}/ready`,
        `  expect-json: { status: ready, "$.version": 3 }`,
        `- url: ${app.url}/echo`,
        `  method: post`,
        `  headers: { X-Probe: smoke }`,
        `  body: '{"ping":1}'`,
        `  expect-status: 200,204`,
      ].join('\n'),
    });
    assert.equal(run.main.exitCode, 0, run.main.log);
    const echoed = app.requests.find((r) => r.path === '/echo');
    assert.equal(echoed?.method, 'POST');
    assert.equal(echoed?.headers['x-probe'], 'smoke');
    assert.equal(echoed?.body, '{"ping":1}');
  });

  it('reports a refused connection', async () => {
    const url = `${await closedPortUrl()}/health`;
    const run = await smokeTest({ urls: url, 'max-attempts': '2' });
    assert.equal(run.main.exitCode, 1);
    assert.deepEqual(
      [run.results[0]?.attempts, run.results[0]?.status, run.results[0]?.error],
      [2, null, 'connection refused'],
    );
  });

  it('follows redirects by default, and judges the redirect itself when told not to', async () => {
    const followed = await smokeTest({ urls: `${app.url}/old` });
    assert.equal(followed.results[0]?.status, 200);
    assert.equal(followed.main.exitCode, 0);

    const notFollowed = await smokeTest({
      urls: `${app.url}/old`,
      'follow-redirects': 'false',
      'expect-status': '200',
      'max-attempts': '1',
    });
    assert.equal(notFollowed.main.exitCode, 1);
    assert.equal(notFollowed.results[0]?.error, 'status 302, expected 200');

    const redirectExpected = await smokeTest({
      urls: `${app.url}/old`,
      'follow-redirects': 'false',
      'expect-status': '301-302',
    });
    assert.equal(redirectExpected.main.exitCode, 0);
  });

  it('stops at the deadline even with attempts left', async () => {
    const run = await smokeTest({ urls: `${app.url}/down`, deadline: '600ms', 'max-attempts': '1000' });
    assert.equal(run.main.exitCode, 1);
    const result = run.results[0];
    assert.match(
      result?.error ?? '',
      /^deadline of 600ms reached after \d+ attempt\(s\); last: status 503, expected 200-399$/,
    );
    assert.ok((result?.attempts ?? 0) > 1 && (result?.attempts ?? 0) < 1000);
  });

  it('probes URLs concurrently, up to the concurrency limit', async () => {
    const urls = Array.from({ length: 12 }, (_, i) => `${app.url}/slow-${i}`);
    app.maxInFlight = 0;
    const all = await smokeTest({ urls: urls.join('\n'), concurrency: '12' });
    assert.equal(all.main.exitCode, 0, all.main.log);
    assert.equal(app.maxInFlight, 12, 'all 12 slow URLs were in flight at once');

    app.maxInFlight = 0;
    const limited = await smokeTest({ urls: urls.join('\n'), concurrency: '3' });
    assert.equal(limited.main.exitCode, 0);
    assert.equal(app.maxInFlight, 3);
  });

  it('refuses a self-signed certificate unless insecure-tls is set', async () => {
    const tlsApp = await startHttpApp({ '/health': routes.ok() }, { tls: true });
    try {
      const strict = await smokeTest({ urls: `${tlsApp.url}/health`, 'max-attempts': '1' });
      assert.equal(strict.main.exitCode, 1);
      assert.match(strict.results[0]?.error ?? '', /^TLS error: self[- ]signed certificate/);
      const insecure = await smokeTest({ urls: `${tlsApp.url}/health`, 'insecure-tls': 'true' });
      assert.equal(insecure.main.exitCode, 0, insecure.main.log);
      assert.equal(insecure.results[0]?.status, 200);
    } finally {
      await tlsApp.close();
    }
  });

  it('masks header values and URL passwords everywhere a person can read', async () => {
    const secret = 'sk-live-6f1e2d3c4b5a';
    const run = await smokeTest({
      urls: `http://probe:pa55w0rd-xyz@127.0.0.1:${new URL(app.url).port}/down`,
      headers: `Authorization: Bearer ${secret}`,
      'max-attempts': '1',
    });
    assert.equal(run.main.exitCode, 1);
    assert.ok(run.main.masks.includes(`Bearer ${secret}`));
    assert.equal(app.requests.at(-1)?.headers.authorization, `Bearer ${secret}`);
    const visible = run.visibleText();
    assert.ok(!visible.includes(secret), 'header secret visible');
    assert.ok(!visible.includes('pa55w0rd-xyz'), 'URL password visible');
    assert.match(run.main.outputs['failed-urls'] ?? '', /^http:\/\/probe:\*\*\*@127\.0\.0\.1:\d+\/down$/);
  });

  it('masks the password of a URL that fails validation before the error quotes it', async () => {
    const password = 'hunter2-Zq81xw';
    const before = app.requests.length;
    const run = await smokeTest({ urls: `htps://probe:${password}@127.0.0.1:9/health` });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['failure-reason']).toBe('invalid-input');
    const [error, ...more] = run.main.annotations.filter((a) => a.level === 'error');
    expect(more).toEqual([]);
    expect(error?.message).toBe(
      "Input 'urls' has 'htps://probe:***@127.0.0.1:9/health' at line 1, which is not an http(s) URL such as https://example.com/health.",
    );
    // Registered with the runner before the error was printed.
    const order = run.main.commands.map((c) => (c.command === 'add-mask' ? c.message : c.command));
    expect(order.indexOf(password)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(password)).toBeLessThan(order.indexOf('error'));
    expect(run.visibleText()).not.toContain(password);
    expect(run.main.log).not.toMatch(/\n\s+at /);
    expect(app.requests.length).toBe(before);
  });

  for (const [name, userinfo, shown] of [
    ['a token given as the user name', 'ghp_Tok3nAsUser0001', '***'],
    ['a token given as the password of x-access-token', 'x-access-token:ghs_Tok3nAsPassword02', 'x-access-token:***'],
  ] as const) {
    it(`masks ${name} everywhere, and sends it as Basic authentication`, async () => {
      const token = userinfo.replace(/^x-access-token:/, '');
      const url = `http://${userinfo}@127.0.0.1:${new URL(app.url).port}/down`;
      const run = await smokeTest({ urls: url, 'max-attempts': '1' });
      expect(run.main.exitCode).toBe(1);
      expect(run.main.masks).toContain(token);
      const sent = app.requests.at(-1)?.headers.authorization ?? '';
      expect(Buffer.from(sent.replace(/^Basic /, ''), 'base64').toString()).toContain(token);
      expect(run.main.outputs['failed-urls']).toBe(`http://${shown}@127.0.0.1:${new URL(app.url).port}/down`);
      expect(run.results[0]?.url).toBe(run.main.outputs['failed-urls']);
      const visible = run.visibleText();
      expect(visible).not.toContain(token);
      expect(visible).not.toContain(sent.replace(/^Basic /, ''));
    });
  }

  it('keeps secrets a failed expect-json response echoes out of results, summary and log, and cuts long values', async () => {
    const key = 'key-live-5b7c9d1e3f';
    const password = 'pw-echo-7a7a7a';
    const port = new URL(app.url).port;
    const run = await smokeTest({
      'max-attempts': '1',
      checks: [
        `- url: http://probe:${password}@127.0.0.1:${port}/whoami`,
        `  expect-json: { auth: none }`,
        `- url: ${app.url}/whoami`,
        `  headers: { X-Api-Key: ${key} }`,
        `  expect-json: { key: none }`,
        `- url: ${app.url}/echo`,
        `  headers: { X-Filler: ${'f'.repeat(300)} }`,
        `  expect-json: { method: PUT }`,
        `- url: ${app.url}/echo`,
        `  expect-json: { headers: none }`,
      ].join('\n'),
    });
    expect(run.main.exitCode).toBe(1);
    const basic = Buffer.from(`probe:${password}`).toString('base64');
    expect(app.requests.some((r) => r.headers.authorization === `Basic ${basic}`)).toBe(true);
    expect(run.results.map((r) => r.error)).toEqual([
      'JSON path auth is "Basic ***", expected "none"',
      'JSON path key is "***", expected "none"',
      'JSON path method is "GET", expected "PUT"',
      expect.stringMatching(/^JSON path headers is \{.{60,}…, expected "none"$/),
    ]);
    for (const text of [run.visibleText(), run.main.outputs.results ?? '', run.main.summary]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(password);
      expect(text).not.toContain(basic);
    }
  });

  it('refuses a YAML value starting with * or ! without quoting it, and probes nothing', async () => {
    const before = app.requests.length;
    for (const [inputs, message] of [
      [
        { urls: `${app.url}/health`, headers: 'Authorization: *alias-s3cret-1' },
        /^Input 'headers' is not valid here: line 1, column \d+ starts with `\*`, which YAML reads as an alias: quote the value \('\*…'\)\.$/,
      ],
      [
        { checks: `- url: ${app.url}/health\n  headers: { X-Key: !tag-s3cret-2 }` },
        /^Input 'checks' is not valid here: line 2, column \d+ starts with `!`, which YAML reads as a tag: quote the value \('!…'\)\.$/,
      ],
    ] as const) {
      const run = await smokeTest(inputs);
      expect(run.main.exitCode).toBe(1);
      expect(run.main.outputs['failure-reason']).toBe('invalid-input');
      expect(run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
        expect.stringMatching(message),
      ]);
      expect(run.visibleText()).not.toMatch(/s3cret-\d/);
    }
    expect(app.requests.length).toBe(before);
  });

  for (const [name, inputs, pattern] of [
    [
      'a malformed URL',
      { urls: 'htp:/nowhere' },
      /^Input 'urls' has 'htp:\/nowhere' at line 1, which is not an http\(s\) URL/,
    ],
    [
      'a bad status range',
      { urls: 'http://127.0.0.1:9/x', 'expect-status': '200-2xx' },
      /^Input 'expect-status' must be status codes or ranges such as 200,204 or 200-299 \(got '200-2xx'\)\.$/,
    ],
    ['bad YAML in checks', { checks: '- url: [unclosed' }, /^Input 'checks' is not valid YAML or JSON: /],
    [
      'a negative duration',
      { urls: 'http://127.0.0.1:9/x', timeout: '-5s' },
      /^Input 'timeout' must be a positive duration such as 500ms, 30s, 5m or 1h \(got '-5s'\)\.$/,
    ],
    [
      'an unknown key in a check',
      { checks: '- url: http://127.0.0.1:9/x\n  expect_status: 200' },
      /^Input 'checks' has item checks\[0\] with unknown key 'expect_status'/,
    ],
    ['no URL at all', {}, /^Input 'urls' or `checks` must name at least one URL to probe\.$/],
    [
      'a 120 kB URL',
      { urls: `http://127.0.0.1:9/${'x'.repeat(120_000)}` },
      /^Input 'urls' has a URL of 120019 characters at line 1; the limit is 8192: probe a shorter URL\.$/,
    ],
    [
      'a URL with a space',
      { checks: '- url: "http://127.0.0.1:9/a b"' },
      /^Input 'checks' has a URL with a space, a line break or a control character at checks\[0\]\.url: remove it\.$/,
    ],
    [
      'a header value with CR/LF',
      { urls: 'http://127.0.0.1:9/x', headers: '{"Authorization": "Bearer crlf-s3cret\\r\\nX-Injected: 1"}' },
      /^Input 'headers' has a line break or a control character in the value of header 'Authorization': a header value is one line of text\.$/,
    ],
    [
      'a header name with CR/LF',
      { urls: 'http://127.0.0.1:9/x', headers: '{"X-A\\r\\nX-Injected": "1"}' },
      /^Input 'headers' has the header name 'X-A\\r\\nX-Injected', which is not a valid HTTP header name/,
    ],
    [
      'a header name with a space, in a check',
      { checks: '- url: http://127.0.0.1:9/x\n  headers: { "X Key": v }' },
      /^Input 'checks' \(checks\[0\]\.headers\) has the header name 'X Key', which is not a valid HTTP header name/,
    ],
    [
      'a JSON path filter expression',
      { checks: '- url: http://127.0.0.1:9/x\n  expect-json: { "$[?(@.x)]": 1 }' },
      /^Input 'checks' checks\[0\]\.expect-json has the JSON path '\$\[\?\(@\.x\)\]', which cannot be evaluated/,
    ],
    [
      'too many attempts',
      { urls: 'http://127.0.0.1:9/x', 'max-attempts': '100000' },
      /^Input 'max-attempts' must be a whole number from 1 to 1000 \(got '100000'\)\.$/,
    ],
  ] as const) {
    it(`refuses ${name} with one clear error and probes nothing`, async () => {
      const before = app.requests.length;
      const run = await smokeTest({ ...inputs });
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.outputs['failure-reason'], 'invalid-input');
      const errors = run.main.annotations.filter((a) => a.level === 'error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0]!.message, pattern);
      expect(errors[0]!.message).not.toContain('\n');
      expect(run.visibleText()).not.toContain('crlf-s3cret');
      assert.doesNotMatch(run.main.log, /\n\s+at /, 'no stack trace');
      assert.equal(app.requests.length, before, 'nothing was probed');
      assert.equal(run.main.outputs.passed, undefined);
    });
  }
});
