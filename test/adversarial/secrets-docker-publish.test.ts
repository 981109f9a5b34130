import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcrApiFake, type EcrApiFake } from '../fakes/ecr-api.ts';
import { runAction } from '../harness/run-action.ts';
import { tagPushEvent } from '../harness/webhooks.ts';
import { startDockerEngine, type DockerEngine } from '../services/docker-engine.ts';
import { startRegistry, type Registry } from '../services/registry.ts';
import { bundle } from './bundles.ts';
import { describeLeaks, findLeaks, forbiddenChildVariables } from './channels.ts';
import { allSecrets, makeCorpus, yamlIndicatorSecrets, type Corpus, type Secret } from './corpus.ts';
import { leaks } from './leaks.ts';
import { observe, type Observation } from './observe.ts';
import { startRecorder, type Recorder } from './recorder.ts';

// The secret corpus through docker-publish, with a real Docker engine and a
// real registry (htpasswd) on loopback: a registry password, a multi-line
// one (a JSON service account key, as GCR's `_json_key` login takes), the
// password inside an ECR authorization token (the ECR API fake), and
// passwords starting with YAML indicators in `registries`. Every channel of
// main and post is searched, with the docker CLI behind a logging wrapper.

describe('secrets through docker-publish', () => {
  let corpus: Corpus;
  let secrets: Secret[];
  let engine: DockerEngine;
  let registry: Registry;
  let ecr: EcrApiFake;
  let recorder: Recorder;
  let scratch: string;
  const USER = 'publisher';
  const JSON_KEY_USER = '_json_key';

  beforeAll(async () => {
    corpus = await makeCorpus();
    secrets = allSecrets(corpus);
    [engine, registry, ecr] = await Promise.all([
      startDockerEngine(),
      startRegistry({
        [USER]: corpus.registryPassword.value,
        [JSON_KEY_USER]: corpus.registryPasswordMultiline.value,
        AWS: corpus.ecrPassword.value,
      }),
      startEcrApiFake({ registryPassword: corpus.ecrPassword.value }),
    ]);
    scratch = await mkdtemp(path.join(tmpdir(), 'adv-docker-'));
    recorder = await startRecorder(path.join(scratch, 'recorder'));
  });
  afterAll(async () => {
    await Promise.all([engine?.stop(), registry?.stop(), ecr?.close()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function publish(
    name: string,
    inputs: Record<string, string>,
    env: Record<string, string> = {},
  ): Promise<Observation> {
    const workspace = path.join(scratch, name);
    await mkdir(workspace, { recursive: true });
    await writeFile(path.join(workspace, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    await writeFile(path.join(workspace, 'hello.txt'), `hello from ${name}\n`);
    return observe('docker-publish', { recorder }, workspace, () =>
      runAction('docker-publish', {
        ...bundle('docker-publish'),
        workspace,
        event: tagPushEvent('v1.2.3'),
        env: {
          DOCKER_HOST: engine.host,
          PATH: recorder.path,
          ACTIONS_RUNTIME_TOKEN: corpus.runtimeToken.value,
          ...env,
        },
        inputs: { context: '.', tags: 'type=raw,value=1', 'push-retry-delay': '50ms', ...inputs },
        timeoutMs: 180_000,
      }),
    );
  }

  /** Nothing is allowed: logins go through stdin and the SDK, the CLI's config is removed in post. */
  function expectNoLeak(observation: Observation): void {
    expect.soft(describeLeaks(findLeaks(observation.channels, secrets)), 'secrets found').toBe('');
    expect.soft(forbiddenChildVariables(observation.calls)).toEqual([]);
  }

  it('a registry password: pushed, and the password is nowhere but the registry', async () => {
    const observation = await publish('single', {
      images: `${registry.host}/team/app`,
      'registry-username': USER,
      'registry-password': corpus.registryPassword.value,
    });
    const run = observation.run;
    expect(run.main.exitCode, run.main.log).toBe(0);
    expect(
      await registry.manifestDigest('team/app', '1', { username: USER, password: corpus.registryPassword.value }),
    ).toBe(run.main.outputs.digest);
    // The search sees the login: docker was called, and given the password on stdin, not in its arguments.
    expect(observation.calls.some((c) => c.program === 'docker' && c.argv[0] === 'login')).toBe(true);
    expectNoLeak(observation);
  });

  it('a multi-line password (a JSON key): every line stays out of every channel', async () => {
    const observation = await publish('multiline', {
      images: `${registry.host}/team/json-key`,
      'registry-username': JSON_KEY_USER,
      'registry-password': corpus.registryPasswordMultiline.value,
    });
    const run = observation.run;
    // Whether the registry takes a password with newlines or not, nothing of it may show.
    if (run.main.exitCode !== 0) expect(run.main.outputs['failure-reason'], run.main.log).toBe('login-failed');
    expectNoLeak(observation);
  });

  it('a wrong password: the login fails without quoting it', async () => {
    const observation = await publish('wrong', {
      images: `${registry.host}/team/denied`,
      'registry-username': USER,
      'registry-password': corpus.vaultPassword.value,
    });
    expect(observation.run.main.exitCode).toBe(1);
    expect(observation.run.main.outputs['failure-reason'], observation.run.main.log).toBe('login-failed');
    expectNoLeak(observation);
  });

  it('an ECR login: the authorization token and its password stay out of every channel', async () => {
    const observation = await publish(
      'ecr',
      {
        images: `${registry.host}/svc/api`,
        registries: `- registry: ${registry.host}\n  type: ecr\n  aws-region: ${ecr.region}\n  aws-account-id: "${ecr.accountId}"`,
        'ecr-create-repository': 'true',
      },
      { ...ecr.env(), AWS_EC2_METADATA_DISABLED: 'true' },
    );
    const run = observation.run;
    expect(run.main.exitCode, run.main.log).toBe(0);
    expect(ecr.requestsTo('GetAuthorizationToken').length).toBeGreaterThan(0);
    expect(leaks(Buffer.from(`AWS:${corpus.ecrPassword.value}`).toString('base64'), corpus.ecrPassword)).not.toEqual(
      [],
    );
    expectNoLeak(observation);
  });

  it('registry passwords starting with YAML indicators never reach a parser message', async () => {
    for (const secret of yamlIndicatorSecrets(corpus)) {
      const observation = await publish(`yaml-${secret.id}`, {
        images: `${registry.host}/team/yaml`,
        registries: `- registry: ${registry.host}\n  username: ${USER}\n  password: ${secret.value}`,
      });
      const run = observation.run;
      // Refused as YAML (invalid-input), or taken as a value and refused by the registry.
      expect(run.main.exitCode, secret.id).toBe(1);
      expect(['invalid-input', 'login-failed']).toContain(run.main.outputs['failure-reason']);
      expectNoLeak(observation);
    }
  });
});
