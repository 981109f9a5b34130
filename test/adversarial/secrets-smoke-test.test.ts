import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../harness/run-action.ts';
import { routes, startHttpApp, type HttpApp } from '../services/http-app.ts';
import { bundle } from './bundles.ts';
import { describeLeaks, findLeaks, forbiddenChildVariables } from './channels.ts';
import { allSecrets, makeCorpus, yamlIndicatorSecrets, type Corpus, type Secret } from './corpus.ts';
import { observe, type Observation } from './observe.ts';
import { startRecorder, type Recorder } from './recorder.ts';

// The secret corpus through smoke-test, against HTTP servers on loopback: an
// Authorization header (in `headers` and in a check's headers), a URL's
// userinfo password, a token given as a URL's user name, response values of a
// failed expect-json that echo the header, a URL that fails validation, and
// header values starting with YAML indicators. The secrets legitimately reach
// the server probed (that is what they are for); nothing else may show them.

const FAST = { 'retry-delay': '10ms', 'max-retry-delay': '20ms', timeout: '2s', 'max-attempts': '1' };

describe('secrets through smoke-test', () => {
  let corpus: Corpus;
  let secrets: Secret[];
  let app: HttpApp;
  let recorder: Recorder;
  let scratch: string;

  beforeAll(async () => {
    corpus = await makeCorpus();
    secrets = allSecrets(corpus);
    app = await startHttpApp({
      '/health': routes.ok('OK healthy'),
      '/down': routes.status(503, 'down'),
      // Echoes the credentials it was given, as a debugging endpoint might.
      '/whoami': (req, res) =>
        void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ authorization: req.headers.authorization ?? null, user: 'someone' })),
    });
    scratch = await mkdtemp(path.join(tmpdir(), 'adv-smoke-'));
    recorder = await startRecorder(path.join(scratch, 'recorder'));
  });
  afterAll(async () => {
    await app?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function probe(inputs: Record<string, string>): Promise<Observation> {
    const workspace = await mkdtemp(path.join(scratch, 'workspace-'));
    return observe('smoke-test', { recorder }, workspace, () =>
      runAction('smoke-test', {
        ...bundle('smoke-test'),
        workspace,
        env: { PATH: recorder.path, ACTIONS_RUNTIME_TOKEN: corpus.runtimeToken.value },
        inputs: { ...FAST, ...inputs },
      }),
    );
  }

  function expectNoLeak(observation: Observation): void {
    // Nothing is allowed: smoke-test stores nothing and starts no program.
    expect.soft(describeLeaks(findLeaks(observation.channels, secrets)), 'secrets found').toBe('');
    expect.soft(forbiddenChildVariables(observation.calls)).toEqual([]);
  }

  const hostPort = () => app.url.replace(/^http:\/\//, '');

  it('headers, URL userinfo and a failed expect-json that echoes the header: results, summary and log stay clean', async () => {
    const observation = await probe({
      headers: JSON.stringify({ Authorization: corpus.authHeader.value }),
      urls: [
        `http://probe:${corpus.urlPassword.value}@${hostPort()}/health`,
        `http://${corpus.urlToken.value}@${hostPort()}/down`,
        `http://probe:${corpus.urlPassword.value}@${hostPort()}/down`,
      ].join('\n'),
      checks: [
        `- url: ${app.url}/whoami`,
        `  headers:`,
        `    Authorization: "${corpus.authHeader.value}"`,
        `  expect-json:`,
        `    authorization: nobody`,
      ].join('\n'),
    });
    const run = observation.run;
    expect(run.main.exitCode, run.main.log).toBe(1);
    expect(run.main.outputs['failure-reason']).toBe('probes-failed');
    // The probes reached the server with the credentials.
    expect(app.requests.some((r) => r.headers.authorization === corpus.authHeader.value)).toBe(true);
    const results = JSON.parse(run.main.outputs.results ?? '[]') as { url: string; error: string | null }[];
    expect(results).toHaveLength(4);
    expect(results.find((r) => r.url.includes('/whoami'))?.error).toMatch(/authorization/);
    // The URLs and the echoed header are in the log, masked: the search looks where the secrets would be.
    expect(run.main.log).toMatch(/probe:\*\*\*@/);
    expectNoLeak(observation);
  });

  it('a URL that fails validation is refused without its password', async () => {
    for (const url of [
      `ftp://probe:${corpus.urlPassword.value}@${hostPort()}/health`,
      `http://probe:${corpus.urlPassword.value}@${hostPort()}/he alth`,
      `http://${corpus.urlToken.value}@/health`,
    ]) {
      const observation = await probe({ urls: url });
      expect(observation.run.main.exitCode, url).toBe(1);
      expect(observation.run.main.outputs['failure-reason'], observation.run.main.log).toBe('invalid-input');
      expectNoLeak(observation);
    }
  });

  it('header values starting with YAML indicators never reach a parser message', async () => {
    for (const secret of yamlIndicatorSecrets(corpus)) {
      const cases: Record<string, string>[] = [
        { urls: `${app.url}/health`, headers: `X-Api-Key: ${secret.value}` },
        { checks: `- url: ${app.url}/health\n  headers:\n    X-Api-Key: ${secret.value}` },
      ];
      for (const inputs of cases) {
        const observation = await probe(inputs);
        const run = observation.run;
        // Refused as YAML, or taken as some value: either way the value is nowhere.
        if (run.main.exitCode !== 0) expect(run.main.outputs['failure-reason'], run.main.log).toBe('invalid-input');
        expectNoLeak(observation);
      }
    }
  });
});
