import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { renderSmokeSummary, resultsOutput } from './smoke-report.ts';
import type { ProbeResult } from './smoke-test.ts';

const healthy: ProbeResult = {
  url: 'https://deploy:s3cret@app.example/health',
  method: 'GET',
  ok: true,
  status: 200,
  attempts: 1,
  latencyMs: 42,
};
const refused: ProbeResult = {
  url: 'https://api.example/',
  method: 'POST',
  ok: false,
  attempts: 3,
  error: 'connection refused',
};
const wrongBody: ProbeResult = {
  url: 'https://api.example/ready',
  method: 'GET',
  ok: false,
  status: 200,
  attempts: 2,
  latencyMs: 8,
  error: 'body does not match /ready|live/',
};

describe('resultsOutput', () => {
  it('has one entry per URL with kebab-case keys and null for what is missing', () => {
    assert.deepEqual(resultsOutput([healthy, refused]), [
      {
        url: 'https://deploy:***@app.example/health',
        ok: true,
        status: 200,
        attempts: 1,
        'latency-ms': 42,
        error: null,
      },
      {
        url: 'https://api.example/',
        ok: false,
        status: null,
        attempts: 3,
        'latency-ms': null,
        error: 'connection refused',
      },
    ]);
  });

  it('never contains a URL password', () => {
    assert.ok(!JSON.stringify(resultsOutput([healthy])).includes('s3cret'));
  });
});

describe('renderSmokeSummary', () => {
  it('says how many URLs passed, in the singular for one', () => {
    assert.equal(renderSmokeSummary([healthy]).split('\n')[0], '### ✅ Smoke test passed: 1 of 1 URL healthy');
    assert.equal(
      renderSmokeSummary([healthy, { ...healthy, url: 'https://b.example/' }]).split('\n')[0],
      '### ✅ Smoke test passed: 2 of 2 URLs healthy',
    );
  });

  it('says how many URLs failed', () => {
    assert.equal(
      renderSmokeSummary([healthy, refused]).split('\n')[0],
      '### ❌ Smoke test failed: 1 of 2 URLs unhealthy',
    );
    assert.equal(renderSmokeSummary([refused]).split('\n')[0], '### ❌ Smoke test failed: 1 of 1 URL unhealthy');
  });

  it('renders a row per URL, without a password and without a why column when all passed', () => {
    assert.equal(
      renderSmokeSummary([healthy]),
      [
        '### ✅ Smoke test passed: 1 of 1 URL healthy',
        '',
        '|  | Method | URL | Attempts | Last status | Latency |',
        '| --- | --- | --- | --- | --- | --- |',
        '| ✅ | GET | https://deploy:***@app.example/health | 1 | 200 | 42 ms |',
        '',
      ].join('\n'),
    );
  });

  it('says why each URL failed, with pipes escaped and dashes for what never came', () => {
    assert.equal(
      renderSmokeSummary([healthy, refused, wrongBody]),
      [
        '### ❌ Smoke test failed: 2 of 3 URLs unhealthy',
        '',
        '|  | Method | URL | Attempts | Last status | Latency | Why it failed |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        '| ✅ | GET | https://deploy:***@app.example/health | 1 | 200 | 42 ms |  |',
        '| ❌ | POST | https://api.example/ | 3 | — | — | connection refused |',
        '| ❌ | GET | https://api.example/ready | 2 | 200 | 8 ms | body does not match /ready\\|live/ |',
        '',
      ].join('\n'),
    );
  });
});
