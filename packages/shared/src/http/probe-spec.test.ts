import { describe, expect, it } from 'vitest';
import assert from 'node:assert/strict';
import { parseYamlInput } from '../action/inputs.ts';
import { buildProbeSpecs, probeSecrets, type ProbeDefaults, type ProbeSpec } from './probe-spec.ts';
import { invalidInputError } from '../../../../test/assertions.ts';

const defaults: ProbeDefaults = { expectStatus: '200-299', headers: {} };

/** The spec as plain data, so that deepEqual can compare it. */
function plain(spec: ProbeSpec) {
  const { expectStatus, expectBody, ...rest } = spec;
  return { ...rest, expectStatus: expectStatus.text, ...(expectBody ? { expectBody: expectBody.source } : {}) };
}

/** The `checks` input as the action reads it. */
function checksYaml(text: string): unknown {
  return parseYamlInput('checks', text);
}

describe('buildProbeSpecs', () => {
  it('makes a GET probe with the defaults for each `urls` line', () => {
    const specs = buildProbeSpecs(['https://app.example/health', 'http://10.0.0.5:8080/ready'], undefined, defaults);
    assert.deepEqual(specs.map(plain), [
      { url: 'https://app.example/health', method: 'GET', headers: {}, expectStatus: '200-299' },
      { url: 'http://10.0.0.5:8080/ready', method: 'GET', headers: {}, expectStatus: '200-299' },
    ]);
    assert.ok(!('body' in specs[0]!) && !('maxLatencyMs' in specs[0]!) && !('expectBody' in specs[0]!));
  });

  it('applies the default body pattern, latency limit and headers, with header values as strings', () => {
    const [spec] = buildProbeSpecs(['https://app.example/health'], null, {
      expectStatus: '200',
      expectBody: '"status":\\s*"ok"',
      maxLatency: '2s',
      headers: { 'X-Env': 'prod', 'X-Count': 5, 'X-Debug': true },
    });
    assert.deepEqual(plain(spec!), {
      url: 'https://app.example/health',
      method: 'GET',
      headers: { 'X-Env': 'prod', 'X-Count': '5', 'X-Debug': 'true' },
      expectStatus: '200',
      expectBody: '"status":\\s*"ok"',
      maxLatencyMs: 2_000,
    });
    assert.equal(spec!.expectBody!.test('{"status": "ok"}'), true);
  });

  it('lets each check override the defaults', () => {
    const checks = checksYaml(`
- url: https://api.example/orders
  method: post
  headers:
    Authorization: Bearer t0ken
    X-Env: staging
    X-Retry: 3
  body:
    item: widget
    count: 2
  expect-status: 201
  expect-body: created
  expect-json:
    $.order.id: 7
  max-latency: 500ms
`);
    const [spec] = buildProbeSpecs([], checks, {
      expectStatus: '200',
      expectBody: 'ok',
      maxLatency: '2s',
      headers: { 'X-Env': 'prod', Accept: 'application/json' },
    });
    assert.deepEqual(plain(spec!), {
      url: 'https://api.example/orders',
      method: 'POST',
      headers: { 'X-Env': 'staging', Accept: 'application/json', Authorization: 'Bearer t0ken', 'X-Retry': '3' },
      body: '{"item":"widget","count":2}',
      expectStatus: '201',
      expectBody: 'created',
      expectJson: { '$.order.id': 7 },
      maxLatencyMs: 500,
    });
  });

  it('overrides a default header whatever the case of its name', () => {
    const checks = checksYaml('- url: https://api.example/\n  headers:\n    accept: text/plain');
    const [spec] = buildProbeSpecs([], checks, { ...defaults, headers: { Accept: 'application/json' } });
    assert.deepEqual(spec!.headers, { accept: 'text/plain' });
  });

  it('gives a check without overrides the defaults', () => {
    const [spec] = buildProbeSpecs([], checksYaml('- url: https://api.example/'), {
      expectStatus: '204',
      expectBody: 'ok',
      maxLatency: '1s',
      headers: { 'X-Env': 'prod' },
    });
    assert.deepEqual(plain(spec!), {
      url: 'https://api.example/',
      method: 'GET',
      headers: { 'X-Env': 'prod' },
      expectStatus: '204',
      expectBody: 'ok',
      maxLatencyMs: 1_000,
    });
  });

  it('sends a string body as written', () => {
    const [spec] = buildProbeSpecs([], [{ url: 'https://api.example/', method: 'PUT', body: 'name=widget' }], defaults);
    assert.equal(spec!.body, 'name=widget');
    assert.equal(spec!.method, 'PUT');
  });

  it('reads a list of status codes in a check', () => {
    const [spec] = buildProbeSpecs(
      [],
      checksYaml('- url: https://api.example/\n  expect-status: [200, 204]'),
      defaults,
    );
    assert.equal(spec!.expectStatus.text, '200,204');
    assert.equal(spec!.expectStatus.includes(204), true);
    assert.equal(spec!.expectStatus.includes(201), false);
  });

  it('lists `urls` probes first, then checks, in order', () => {
    const specs = buildProbeSpecs(
      ['https://a.example/'],
      [{ url: 'https://b.example/' }, { url: 'https://c.example/' }],
      defaults,
    );
    assert.deepEqual(
      specs.map((s) => s.url),
      ['https://a.example/', 'https://b.example/', 'https://c.example/'],
    );
  });

  describe('errors name the input and the item', () => {
    it('a `urls` line that is not an http(s) URL', () => {
      assert.throws(
        () => buildProbeSpecs(['https://ok.example/', 'ftp://files.example/'], undefined, defaults),
        invalidInputError(
          "Input 'urls' has 'ftp://files.example/' at line 2, which is not an http(s) URL such as https://example.com/health.",
        ),
      );
      assert.throws(
        () => buildProbeSpecs(['app.example/health'], undefined, defaults),
        invalidInputError(
          "Input 'urls' has 'app.example/health' at line 1, which is not an http(s) URL such as https://example.com/health.",
        ),
      );
    });

    it('a bad default status, body pattern, latency or headers', () => {
      assert.throws(
        () => buildProbeSpecs(['https://a.example/'], undefined, { ...defaults, expectStatus: '2xx' }),
        invalidInputError(
          "Input 'expect-status' must be status codes or ranges such as 200,204 or 200-299 (got '2xx').",
        ),
      );
      assert.throws(
        () => buildProbeSpecs(['https://a.example/'], undefined, { ...defaults, expectBody: '(ok' }),
        invalidInputError(
          /^Input 'expect-body' is not a valid regular expression: Invalid regular expression: \/\(ok\/.*: Unterminated group$/,
        ),
      );
      assert.throws(
        () => buildProbeSpecs(['https://a.example/'], undefined, { ...defaults, maxLatency: 'fast' }),
        invalidInputError("Input 'max-latency' must be a positive duration such as 500ms or 2s (got 'fast')."),
      );
      assert.throws(
        () => buildProbeSpecs(['https://a.example/'], undefined, { ...defaults, maxLatency: '0s' }),
        invalidInputError("Input 'max-latency' must be a positive duration such as 500ms or 2s (got '0s')."),
      );
      assert.throws(
        () =>
          buildProbeSpecs(['https://a.example/'], undefined, {
            ...defaults,
            headers: ['Accept: text/html'] as unknown as Record<string, unknown>,
          }),
        invalidInputError("Input 'headers' must be a mapping of header names to values."),
      );
    });

    it('`checks` that is not a list', () => {
      assert.throws(
        () => buildProbeSpecs([], checksYaml('url: https://a.example/'), defaults),
        invalidInputError("Input 'checks' must be a YAML list of checks, each starting with `- url: ...`."),
      );
    });

    it('a check that is not a mapping', () => {
      assert.throws(
        () => buildProbeSpecs([], checksYaml('- https://a.example/'), defaults),
        invalidInputError("Input 'checks' has item checks[0], which must be a mapping with at least `url:`."),
      );
    });

    it('a check with an unknown key', () => {
      assert.throws(
        () =>
          buildProbeSpecs(
            [],
            checksYaml('- url: https://a.example/\n- url: https://b.example/\n  expect-staus: 200'),
            defaults,
          ),
        invalidInputError(
          "Input 'checks' has item checks[1] with unknown key 'expect-staus'; allowed keys: url, method, headers, body, expect-status, expect-body, expect-json, max-latency.",
        ),
      );
    });

    it('a check without a url, or with one that is not http(s)', () => {
      assert.throws(
        () => buildProbeSpecs([], checksYaml('- method: GET'), defaults),
        invalidInputError("Input 'checks' has item checks[0] without a `url:`."),
      );
      assert.throws(
        () => buildProbeSpecs([], checksYaml('- url: https://a.example/\n- url: localhost:8080'), defaults),
        invalidInputError(
          "Input 'checks' has 'localhost:8080' at checks[1].url, which is not an http(s) URL such as https://example.com/health.",
        ),
      );
    });

    it('a check with an unknown method', () => {
      assert.throws(
        () => buildProbeSpecs([], checksYaml('- url: https://a.example/\n  method: FETCH'), defaults),
        invalidInputError(
          "Input 'checks' checks[0].method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS.",
        ),
      );
    });

    it('a check with expect-json that is not a mapping', () => {
      assert.throws(
        () => buildProbeSpecs([], checksYaml('- url: https://a.example/\n  expect-json: [status, ok]'), defaults),
        invalidInputError("Input 'checks' checks[0].expect-json must be a mapping of JSON path to expected value."),
      );
      assert.throws(
        () => buildProbeSpecs([], checksYaml('- url: https://a.example/\n  expect-json: ok'), defaults),
        invalidInputError("Input 'checks' checks[0].expect-json must be a mapping of JSON path to expected value."),
      );
    });

    it('a check with a bad expect-status', () => {
      assert.throws(
        () =>
          buildProbeSpecs(
            [],
            checksYaml('- url: https://a.example/\n- url: https://b.example/\n  expect-status: ok'),
            defaults,
          ),
        invalidInputError(
          "Input 'checks' (checks[1].expect-status) must be status codes or ranges such as 200,204 or 200-299 (got 'ok').",
        ),
      );
    });

    it('a check with a bad expect-body', () => {
      assert.throws(
        () => buildProbeSpecs([], checksYaml("- url: https://a.example/\n  expect-body: '[a-'"), defaults),
        invalidInputError(
          /^Input 'checks' \(checks\[0\]\.expect-body\) is not a valid regular expression: Invalid regular expression: \/\[a-\/.*$/,
        ),
      );
    });

    it('a check with a bad max-latency', () => {
      assert.throws(
        () => buildProbeSpecs([], checksYaml('- url: https://a.example/\n  max-latency: -1s'), defaults),
        invalidInputError(
          "Input 'checks' (checks[0].max-latency) must be a positive duration such as 500ms or 2s (got '-1s').",
        ),
      );
    });

    it('a check with headers that are not a mapping', () => {
      assert.throws(
        () =>
          buildProbeSpecs([], checksYaml('- url: https://a.example/\n  headers:\n    - "Accept: text/html"'), defaults),
        invalidInputError("Input 'checks' (checks[0].headers) must be a mapping of header names to values."),
      );
    });

    it('a URL too long, or with a space or a line break, without quoting it', () => {
      const long = `https://a.example/${'x'.repeat(120_000)}`;
      expect(refusal(() => buildProbeSpecs([long], undefined, defaults))).toMatchObject(
        invalid(
          `Input 'urls' has a URL of ${long.length} characters at line 1; the limit is 8192: probe a shorter URL.`,
        ),
      );
      expect(
        refusal(() => buildProbeSpecs([], checksYaml('- url: "https://a.example/x\\ny"'), defaults)),
      ).toMatchObject(
        invalid(
          "Input 'checks' has a URL with a space, a line break or a control character at checks[0].url: remove it.",
        ),
      );
    });

    it('a URL that is not http(s), quoted without its credentials', () => {
      expect(refusal(() => buildProbeSpecs(['htps://probe:hunter2-pw@a.example/'], undefined, defaults))).toMatchObject(
        invalid(
          "Input 'urls' has 'htps://probe:***@a.example/' at line 1, which is not an http(s) URL such as https://example.com/health.",
        ),
      );
      expect(refusal(() => buildProbeSpecs(['https://ghp_T0ken1234@'], undefined, defaults))).toMatchObject(
        invalid(
          "Input 'urls' has 'https://***@' at line 1, which is not an http(s) URL such as https://example.com/health.",
        ),
      );
    });

    it('a header name or value that cannot be sent, naming the header and never quoting its value', () => {
      const refused = (headers: Record<string, unknown>) => () =>
        buildProbeSpecs(['https://a.example/'], undefined, { ...defaults, headers });
      expect(refusal(refused({ Authorization: 'Bearer s3cret\r\nX-Injected: 1' }))).toMatchObject(
        invalid(
          "Input 'headers' has a line break or a control character in the value of header 'Authorization': a header value is one line of text.",
        ),
      );
      expect(refusal(refused({ 'X-A\r\nX-Injected': '1' }))).toMatchObject(
        invalid(/^Input 'headers' has the header name 'X-A\\r\\nX-Injected', which is not a valid HTTP header name/),
      );
      expect(refusal(refused({ 'Bad Name': '1' }))).toMatchObject(
        invalid(/^Input 'headers' has the header name 'Bad Name'/),
      );
      expect(refusal(refused({ 'X-Token': 'y'.repeat(9000) }))).toMatchObject(
        invalid("Input 'headers' has a value of 9000 characters for header 'X-Token'; the limit is 8192."),
      );
      expect(refusal(refused({ 'X-Map': { a: 1 } }))).toMatchObject(
        invalid("Input 'headers' has a value for header 'X-Map' that is not text."),
      );
      expect(
        refusal(() =>
          buildProbeSpecs([], checksYaml('- url: https://a.example/\n  headers: { X-Key: "k\\nv" }'), defaults),
        ),
      ).toMatchObject(
        invalid(
          "Input 'checks' (checks[0].headers) has a line break or a control character in the value of header 'X-Key': a header value is one line of text.",
        ),
      );
    });

    it('an expect-json path that cannot be evaluated', () => {
      expect(
        refusal(() =>
          buildProbeSpecs([], checksYaml('- url: https://a.example/\n  expect-json: { "$[?(@.x)]": 1 }'), defaults),
        ),
      ).toMatchObject(
        invalid(
          /^Input 'checks' checks\[0\]\.expect-json has the JSON path '\$\[\?\(@\.x\)\]', which cannot be evaluated/,
        ),
      );
    });

    it('nothing to probe', () => {
      const message = "Input 'urls' or `checks` must name at least one URL to probe.";
      assert.throws(() => buildProbeSpecs([], undefined, defaults), invalidInputError(message));
      assert.throws(() => buildProbeSpecs([], [], defaults), invalidInputError(message));
    });
  });
});

/** The error a call throws (it must throw). */
function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** An invalid-input ActionError with this message. */
function invalid(message: string | RegExp) {
  return {
    name: 'ActionError',
    reason: 'invalid-input',
    message: typeof message === 'string' ? message : expect.stringMatching(message),
  };
}

describe('probeSecrets', () => {
  it('gives URL credentials and header values of the inputs as given, before they are validated', () => {
    const checks = checksYaml(`
- url: https://x-access-token:ghs_check123@a.example/
  headers: { X-Api-Key: key-4242, X-Retry: 3 }
- url: htp:/user:pw-in-check@host
- 42
`);
    expect(
      probeSecrets(['https://TOKEN0123@a.example/', 'https://a.example/plain'], checks, {
        Authorization: 'Bearer t0k',
      }),
    ).toEqual([
      'TOKEN0123',
      'Bearer t0k',
      'ghs_check123',
      'x-access-token:ghs_check123',
      'key-4242',
      'pw-in-check',
      'user:pw-in-check',
    ]);
  });

  it('gives nothing for inputs without secrets, whatever their shape', () => {
    expect(probeSecrets([], undefined, undefined)).toEqual([]);
    expect(probeSecrets([], 'not a list', ['not a map'])).toEqual([]);
  });
});
