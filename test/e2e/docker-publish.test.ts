import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../harness/run-action.ts';
import { tagPushEvent, webhookPayload } from '../harness/webhooks.ts';
import { startDockerEngine, type DockerEngine } from '../services/docker-engine.ts';
import { startFaultProxy, startRegistry, type FaultProxy, type Registry } from '../services/registry.ts';
import { FAKE_ECR_PASSWORD, startEcrApiFake, type EcrApiFake } from '../fakes/ecr-api.ts';

// docker-publish's committed bundle against a real Docker engine and a real
// registry (htpasswd auth) on loopback, main then post. The build contexts are
// in the step's checkout (GITHUB_WORKSPACE), where path inputs must stay.

const USER = { username: 'publisher', password: 'pw-9f2c1d-s3cret' };
const ECR_USER = { username: 'AWS', password: FAKE_ECR_PASSWORD };
const USER_CONFIG = '{"auths":{"example.invalid":{"auth":"dXNlcjpvbGQ="}}}';

let engine: DockerEngine;
let registry: Registry;
let contexts: string;

beforeAll(async () => {
  [engine, registry] = await Promise.all([
    startDockerEngine(),
    startRegistry({ [USER.username]: USER.password, [ECR_USER.username]: ECR_USER.password }),
  ]);
  contexts = await mkdtemp(path.join(tmpdir(), 'publish-contexts-'));
});

afterAll(async () => {
  await Promise.all([engine?.stop(), registry?.stop(), rm(contexts, { recursive: true, force: true })]);
});

/** A build context of its own: FROM scratch with one file, so each test pushes a distinct image. */
async function buildContext(name: string): Promise<string> {
  const dir = path.join(contexts, name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'Dockerfile'),
    'FROM scratch\nARG NOTE=none\nCOPY hello.txt /hello.txt\nLABEL note=$NOTE\n',
  );
  await writeFile(path.join(dir, 'hello.txt'), `hello from ${name}\n`);
  return dir;
}

async function publish(
  inputs: Record<string, string>,
  options: { event?: ReturnType<typeof tagPushEvent>; env?: Record<string, string> } = {},
): Promise<ActionRun> {
  const run = await runAction('docker-publish', {
    inputs: {
      'registry-username': USER.username,
      'registry-password': USER.password,
      'push-retry-delay': '50ms',
      ...inputs,
    },
    env: { DOCKER_HOST: engine.host, ...options.env },
    workspace: contexts,
    ...(options.event ? { event: options.event } : {}),
    timeoutMs: 180_000,
  });
  return run;
}

/** Files left under RUNNER_TEMP after post. */
async function leftovers(run: ActionRun): Promise<string[]> {
  return (await readdir(run.runnerTemp, { recursive: true })).map(String);
}

describe('docker-publish end to end', () => {
  it('builds once, pushes every tag, and the digest pulls back the same image; no credential outlives the step', async () => {
    const context = await buildContext('release');
    const image = `${registry.host}/team/app`;
    const probe = await runActionWithUserConfig(async (home) => {
      const run = await publish(
        {
          images: image,
          context,
          tags: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=sha',
          'build-args': 'NOTE=two words "quoted"',
          labels: 'org.opencontainers.image.vendor=Example Corp',
        },
        { event: tagPushEvent('v1.2.3'), env: { HOME: home } },
      );
      return run;
    });
    const { run, homeConfigAfter } = probe;
    try {
      assert.equal(run.main.exitCode, 0, run.main.log);
      const { outputs } = run.main;
      assert.match(outputs.digest ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.equal(outputs.version, '1.2.3');
      const sha = String(webhookPayload('push').after).slice(0, 7);
      assert.deepEqual(outputs.tags?.split('\n'), [
        `${image}:1.2.3`,
        `${image}:1.2`,
        `${image}:sha-${sha}`,
        `${image}:latest`,
      ]);
      assert.equal(outputs['image-refs'], `${image}@${outputs.digest}`);

      // The registry holds every tag at that digest.
      for (const tag of ['1.2.3', '1.2', `sha-${sha}`, 'latest']) {
        assert.equal(await registry.manifestDigest('team/app', tag, USER), outputs.digest, tag);
      }
      // Pulled back by digest into a clean engine state, it is the image that was built.
      const docker = (args: string[]) => engine.docker(args, { env: { DOCKER_CONFIG: run.home } });
      for (const ref of outputs.tags?.split('\n') ?? []) await docker(['rmi', ref]);
      await assert.rejects(docker(['image', 'inspect', outputs['image-id'] ?? '']));
      await docker(['login', '--username', USER.username, '--password', USER.password, registry.host]);
      await docker(['pull', `${image}@${outputs.digest}`]);
      const pulled = JSON.parse(await docker(['image', 'inspect', `${image}@${outputs.digest}`])) as {
        Id: string;
        Config: { Labels: Record<string, string> };
      }[];
      assert.equal(pulled[0]?.Id, outputs['image-id']);
      const labels = pulled[0]?.Config.Labels ?? {};
      assert.equal(labels.note, 'two words "quoted"');
      assert.equal(labels['org.opencontainers.image.version'], '1.2.3');
      assert.equal(labels['org.opencontainers.image.vendor'], 'Example Corp');
      assert.equal(labels['org.opencontainers.image.revision'], String(webhookPayload('push').after));

      const metadata = JSON.parse(outputs.metadata ?? '{}') as { builder: string; references: { status: string }[] };
      assert.equal(metadata.builder, 'classic');
      assert.deepEqual(
        metadata.references.map((r) => r.status),
        ['pushed', 'pushed', 'pushed', 'pushed'],
      );
      assert.match(run.main.summary, /4 references pushed/);
      assert.ok(run.main.summary.includes(`\`${image}:1.2.3\``));

      // The password was masked, given on stdin, and is nowhere to be read.
      assert.ok(run.main.masks.includes(USER.password));
      assert.ok(!run.visibleText().includes(USER.password));
      // No credential file remains, and the user's own docker config is untouched.
      assert.equal(run.post?.exitCode, 0, run.post?.log);
      assert.deepEqual(await leftovers(run), []);
      assert.equal(homeConfigAfter, USER_CONFIG);
    } finally {
      await run.cleanup();
    }
  });

  it('fails at login with a wrong password, naming the registry, and pushes nothing', async () => {
    const context = await buildContext('wrong-password');
    const run = await publish({
      images: `${registry.host}/team/denied`,
      context,
      tags: 'type=raw,value=1',
      'registry-password': 'not-the-password',
    });
    try {
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.outputs['failure-reason'], 'login-failed');
      assert.match(run.main.log, new RegExp(`Login to ${registry.host} as ${USER.username} failed: .*401`));
      assert.doesNotMatch(run.main.log, /\[command\]docker build /);
      assert.equal(await registry.manifestDigest('team/denied', '1', USER), undefined);
      assert.ok(!run.visibleText().includes('not-the-password'));
      assert.deepEqual(await leftovers(run), []);
    } finally {
      await run.cleanup();
    }
  });

  it('if-tag-exists: skip leaves an existing tag, fail stops before building, overwrite replaces it', async () => {
    const image = `${registry.host}/team/exists`;
    const first = await publish({
      images: image,
      context: await buildContext('exists-1'),
      tags: 'type=raw,value=stable',
    });
    await first.cleanup();
    assert.equal(first.main.exitCode, 0, first.main.log);
    const original = first.main.outputs.digest;

    const changed = await buildContext('exists-2');
    const skip = await publish({
      images: image,
      context: changed,
      tags: 'type=raw,value=stable\ntype=raw,value=next',
      'if-tag-exists': 'skip',
    });
    try {
      assert.equal(skip.main.exitCode, 0, skip.main.log);
      assert.equal(await registry.manifestDigest('team/exists', 'stable', USER), original);
      assert.equal(await registry.manifestDigest('team/exists', 'next', USER), skip.main.outputs.digest);
      assert.notEqual(skip.main.outputs.digest, original);
      assert.match(skip.main.summary, /exists, left as it is/);
      const statuses = (
        JSON.parse(skip.main.outputs.metadata ?? '{}') as { references: { tag: string; status: string }[] }
      ).references;
      assert.deepEqual(
        statuses.map((r) => [r.tag, r.status]),
        [
          ['stable', 'skipped'],
          ['next', 'pushed'],
        ],
      );
    } finally {
      await skip.cleanup();
    }

    const fail = await publish({
      images: image,
      context: changed,
      tags: 'type=raw,value=stable',
      'if-tag-exists': 'fail',
    });
    try {
      assert.equal(fail.main.exitCode, 1);
      assert.equal(fail.main.outputs['failure-reason'], 'tag-exists');
      assert.match(fail.main.log, new RegExp(`${image}:stable already exists; nothing was built or pushed`));
      assert.doesNotMatch(fail.main.log, /\[command\]docker build /);
    } finally {
      await fail.cleanup();
    }

    const overwrite = await publish({ images: image, context: changed, tags: 'type=raw,value=stable' });
    try {
      assert.equal(overwrite.main.exitCode, 0, overwrite.main.log);
      assert.equal(await registry.manifestDigest('team/exists', 'stable', USER), overwrite.main.outputs.digest);
      assert.notEqual(overwrite.main.outputs.digest, original);
    } finally {
      await overwrite.cleanup();
    }
  });

  it('if-tag-exists: skip with every tag present builds nothing and outputs the digest the registry holds', async () => {
    const image = `${registry.host}/team/immutable`;
    const tags = 'type=raw,value=1.4.0\ntype=raw,value=stable';
    const first = await publish({ images: image, context: await buildContext('immutable-1'), tags });
    await first.cleanup();
    expect(first.main.exitCode, first.main.log).toBe(0);
    const pushed = first.main.outputs.digest!;
    expect(pushed).toMatch(/^sha256:[0-9a-f]{64}$/);

    // A re-run of the publish job (the tags are immutable: they must not be pushed again), from another context.
    const again = await publish({
      images: image,
      context: await buildContext('immutable-2'),
      tags,
      'if-tag-exists': 'skip',
    });
    try {
      expect(again.main.exitCode, again.main.log).toBe(0);
      expect(again.main.outputs.digest).toBe(pushed);
      expect(again.main.outputs['image-refs']).toBe(`${image}@${pushed}`);
      expect(again.main.outputs['image-id']).toBe('');
      expect(again.main.log).not.toMatch(/\[command\]docker (build|push) /);
      expect(again.main.log).toContain(`${image}:1.4.0 already exists (${pushed}).`);
      expect(again.main.log).toContain(`nothing to build or push; the image is ${pushed}.`);
      expect(await registry.manifestDigest('team/immutable', '1.4.0', USER)).toBe(pushed);
      expect(again.main.summary).toContain(`| \`${image}:stable\` | ⏭️ exists, left as it is | \`${pushed}\` |`);
      const metadata = JSON.parse(again.main.outputs.metadata ?? '{}') as {
        digest: string;
        references: { tag: string; status: string; digest: string }[];
      };
      expect(metadata.digest).toBe(pushed);
      expect(metadata.references.map((r) => [r.tag, r.status, r.digest])).toEqual([
        ['1.4.0', 'skipped', pushed],
        ['stable', 'skipped', pushed],
      ]);
      expect(await leftovers(again)).toEqual([]);
    } finally {
      await again.cleanup();
    }
  });

  it('retries a push that gets 503 or a reset connection, and succeeds', async () => {
    const proxy = await startFaultProxy(registry.host);
    try {
      for (const fault of ['http-503', 'reset'] as const) {
        proxy.failManifestPuts(2, fault);
        const run = await publish({
          images: `${proxy.host}/team/flaky-${fault}`,
          context: await buildContext(`flaky-${fault}`),
          tags: 'type=raw,value=1',
        });
        try {
          assert.equal(run.main.exitCode, 0, run.main.log);
          const [reference] = (JSON.parse(run.main.outputs.metadata ?? '{}') as { references: { attempts: number }[] })
            .references;
          assert.equal(reference?.attempts, 3, fault);
          assert.match(run.main.log, /Attempt 2 for .* failed with a transient error; retrying/);
          assert.equal(await registry.manifestDigest(`team/flaky-${fault}`, '1', USER), run.main.outputs.digest);
        } finally {
          await run.cleanup();
        }
      }
    } finally {
      await proxy.stop();
    }
  });

  it('does not retry a push refused with 401', async () => {
    const proxy = await startFaultProxy(registry.host);
    try {
      // Login and layer uploads pass; the manifest upload is refused, as when a token may read but not push.
      proxy.failManifestPuts(10, 'http-401');
      const run = await publish({
        images: `${proxy.host}/team/refused`,
        context: await buildContext('refused'),
        tags: 'type=raw,value=1',
        'push-attempts': '5',
      });
      try {
        assert.equal(run.main.exitCode, 1);
        assert.equal(run.main.outputs['failure-reason'], 'push-failed');
        assert.match(run.main.log, new RegExp(`Pushing ${proxy.host}/team/refused:1 failed: .*unauthorized`));
        assert.doesNotMatch(run.main.log, /retrying/);
        assert.equal(proxy.faultsServed, 1);
      } finally {
        await run.cleanup();
      }
    } finally {
      await proxy.stop();
    }
  });

  it('refuses bad input with one clear error before anything is built', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ images: `${registry.host}/app:1.0` }, /Input 'images' has .*app:1\.0/],
      [{ images: `${registry.host}/app`, tags: 'type=nightly' }, /Input 'tags' .*nightly/],
      [{ images: `${registry.host}/app`, 'if-tag-exists': 'maybe' }, /Input 'if-tag-exists'/],
      [{ images: `${registry.host}/app`, platforms: 'linux/amd64,linux/arm64' }, /Input 'platforms' .* needs BuildKit/],
    ];
    for (const [inputs, message] of cases) {
      const run = await publish({ context: await buildContext('bad-input'), tags: 'type=raw,value=1', ...inputs });
      try {
        assert.equal(run.main.exitCode, 1, JSON.stringify(inputs));
        assert.equal(run.main.outputs['failure-reason'], 'invalid-input', run.main.log);
        assert.match(run.main.log, message);
        assert.doesNotMatch(run.main.log, /\[command\]docker (build|login) /);
      } finally {
        await run.cleanup();
      }
    }
  });
});

describe('docker-publish refuses bad input before any login, build or request', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(registry.host);
  });
  afterAll(() => proxy?.stop());

  const SECRET = 'pw-bad-input-6d2e9f';
  type Case = [name: string, inputs: Record<string, string>, message: RegExp, setup?: () => Promise<void>];
  const cases: Case[] = [
    [
      'a context outside the repository',
      { context: '../../etc' },
      /^Input 'context' is '\.\.\/\.\.\/etc', which is outside the repository \(GITHUB_WORKSPACE\)/,
    ],
    [
      'an absolute context outside the repository',
      { context: '/etc' },
      /^Input 'context' is '\/etc', which is outside the repository/,
    ],
    [
      'a missing context',
      { context: 'no-such-dir' },
      /^Input 'context' is 'no-such-dir', which does not exist in the repository/,
    ],
    [
      'a file outside the repository',
      { file: '/etc/passwd' },
      /^Input 'file' is '\/etc\/passwd', which is outside the repository/,
    ],
    [
      'a missing file',
      { file: 'good/Dockerfile.missing' },
      /^Input 'file' is 'good\/Dockerfile\.missing', which does not exist/,
    ],
    [
      'a context without a Dockerfile',
      { context: 'empty' },
      /^Input 'file' is unset, and the context 'empty' has no Dockerfile: add one, or set file to the Dockerfile's path\.$/,
      () => mkdir(path.join(contexts, 'empty'), { recursive: true }).then(() => undefined),
    ],
    [
      'a Dockerfile that links out of the repository',
      { context: 'linked' },
      /^Input 'file' is 'linked\/Dockerfile', a link that leads outside the repository/,
      async () => {
        await mkdir(path.join(contexts, 'linked'), { recursive: true });
        await symlink('/etc/passwd', path.join(contexts, 'linked', 'Dockerfile')).catch(() => undefined);
      },
    ],
    [
      'a tag Docker refuses',
      { tags: 'type=raw,value=../x y' },
      /^Input 'tags' gives the tag '\.\.-x-y', which Docker refuses in line 1/,
    ],
    [
      'a platform that is not os/arch',
      { platforms: 'linux/amd64,Linux AMD64' },
      /^Input 'platforms' has 'Linux AMD64', which is not a platform/,
    ],
    [
      'load with several platforms',
      { platforms: 'linux/amd64,linux/arm64', load: 'true' },
      /^Input 'load' cannot load a multi-platform image/,
    ],
    [
      'a target that is not a stage name',
      { target: '../x y' },
      /^Input 'target' is '\.\.\/x y', which is not a build stage name/,
    ],
    [
      'a build-arg key with a space',
      { 'build-args': 'MY ARG=1' },
      /^Input 'build-args' has the key 'MY ARG' with a space in it/,
    ],
    [
      'a secret id that would add a field',
      { secrets: `x,src=/etc/shadow=${SECRET}` },
      /^Input 'secrets' has an ID \(entry 1\) that is not letters, digits, '_', '\.' or '-'/,
    ],
    [
      'a registry that is not a host',
      { registries: `- registry: ghcr.io/org\n  username: bot\n  password: ${SECRET}` },
      /^Input 'registries' entry 1 has a 'registry' that is not valid: 'ghcr\.io\/org' is not a registry host/,
    ],
    [
      'a registry password starting with *',
      { registries: `- registry: ghcr.io\n  username: bot\n  password: *${SECRET}` },
      /^Input 'registries' is not valid here: line 3, column \d+ starts with `\*`, which YAML reads as an alias/,
    ],
    [
      'a registry-username with a line break',
      { 'registry-username': 'bot\nother' },
      /^Input 'registry-username' has a user name that is empty, too long or has a space or a line break in it$/,
    ],
    [
      'a 120 kB image name',
      { images: `PROXY/${'x'.repeat(120_000)}` },
      /^Input 'images' has 'PROXY\/x{100,}…', which is not a valid image name: it is \d+ characters long/,
    ],
  ];

  for (const [name, inputs, message, setup] of cases) {
    it(`refuses ${name}`, async () => {
      await setup?.();
      const good = await buildContext('good');
      const expanded = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.replace('PROXY', proxy.host)]));
      const run = await publish({
        images: `${proxy.host}/team/bad-input`,
        context: path.relative(contexts, good),
        tags: 'type=raw,value=1',
        ...expanded,
      });
      try {
        expect(run.main.exitCode).toBe(1);
        expect(run.main.outputs['failure-reason']).toBe('invalid-input');
        const errors = run.main.annotations.filter((a) => a.level === 'error');
        expect(errors).toHaveLength(1);
        expect(errors[0]!.message.replace(proxy.host, 'PROXY')).toMatch(message);
        expect(errors[0]!.message).not.toContain('\n');
        expect(run.main.log).not.toMatch(/\n\s+at /);
        // Nothing ran: no docker command (not even `docker version`), no request to the registry.
        expect(run.main.log).not.toContain('[command]');
        expect(proxy.requests).toBe(0);
        expect(run.visibleText()).not.toContain(SECRET);
        expect(await leftovers(run)).toEqual([]);
      } finally {
        await run.cleanup();
      }
    });
  }
});

/** Runs with a HOME whose ~/.docker/config.json holds an earlier login, and reads that file back after post. */
async function runActionWithUserConfig(
  fn: (home: string) => Promise<ActionRun>,
): Promise<{ run: ActionRun; homeConfigAfter: string }> {
  const home = await mkdtemp(path.join(tmpdir(), 'publish-home-'));
  await mkdir(path.join(home, '.docker'));
  await writeFile(path.join(home, '.docker', 'config.json'), USER_CONFIG);
  try {
    const run = await fn(home);
    const file = path.join(home, '.docker', 'config.json');
    return { run, homeConfigAfter: existsSync(file) ? await readFile(file, 'utf8') : '' };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

describe('docker-publish to ECR', () => {
  let ecr: EcrApiFake;
  beforeAll(async () => {
    ecr = await startEcrApiFake();
  });
  afterAll(() => ecr?.close());

  // The local registry stands for the account's ECR registry: a `registries`
  // entry of type ecr sends its login through the ECR API fake.
  const ecrEntry = () =>
    `- registry: ${registry.host}\n  type: ecr\n  aws-region: ${ecr.region}\n  aws-account-id: "${ecr.accountId}"`;
  const ecrEnv = () => ({ ...ecr.env(), AWS_EC2_METADATA_DISABLED: 'true' });

  it('logs in with the token of GetAuthorizationToken, creates the repository with its options, and pushes', async () => {
    const image = `${registry.host}/svc/api`;
    const run = await publish(
      {
        images: image,
        context: await buildContext('ecr'),
        tags: 'type=raw,value=1',
        registries: ecrEntry(),
        'registry-username': '',
        'registry-password': '',
        'ecr-create-repository': 'true',
        'ecr-tag-immutability': 'immutable',
      },
      { env: ecrEnv() },
    );
    try {
      assert.equal(run.main.exitCode, 0, run.main.log);
      assert.deepEqual(
        ecr.requests.map((r) => r.action),
        ['GetAuthorizationToken', 'DescribeRepositories', 'CreateRepository'],
      );
      const repository = ecr.repository('svc/api');
      assert.equal(repository?.imageTagMutability, 'IMMUTABLE');
      assert.equal(repository?.imageScanningConfiguration.scanOnPush, true);
      assert.equal(await registry.manifestDigest('svc/api', '1', ECR_USER), run.main.outputs.digest);
      assert.match(run.main.summary, /created ECR repositories: .*svc\/api/);
      assert.ok(run.main.masks.includes(FAKE_ECR_PASSWORD));
      assert.ok(!run.visibleText().includes(FAKE_ECR_PASSWORD));
      assert.deepEqual(await leftovers(run), []);
    } finally {
      await run.cleanup();
    }

    // A re-run on an immutable repository: DescribeImages finds the tag and the push is skipped.
    ecr.addImage('svc/api', '1', run.main.outputs.digest ?? '');
    ecr.clearRequests();
    const again = await publish(
      {
        images: image,
        context: await buildContext('ecr'),
        tags: 'type=raw,value=1',
        registries: ecrEntry(),
        'if-tag-exists': 'skip',
      },
      { env: ecrEnv() },
    );
    try {
      assert.equal(again.main.exitCode, 0, again.main.log);
      assert.ok(ecr.requestsTo('DescribeImages').length === 1);
      assert.doesNotMatch(again.main.log, /\[command\]docker (build|push) /);
      assert.match(again.main.log, /nothing to build or push/);
      // The digest DescribeImages gives, for the steps that deploy it.
      expect(again.main.outputs.digest).toBe(run.main.outputs.digest);
      expect(again.main.outputs['image-refs']).toBe(`${image}@${run.main.outputs.digest}`);
    } finally {
      await again.cleanup();
    }
  });

  it('refuses a missing repository when it may not create it, before building', async () => {
    const run = await publish(
      {
        images: `${registry.host}/svc/missing`,
        context: await buildContext('ecr-missing'),
        tags: 'type=raw,value=1',
        registries: ecrEntry(),
      },
      { env: ecrEnv() },
    );
    try {
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.outputs['failure-reason'], 'ecr-repository-missing');
      assert.match(run.main.log, /The ECR repository 'svc\/missing' does not exist.*ecr-create-repository: true/);
      assert.doesNotMatch(run.main.log, /\[command\]docker build /);
    } finally {
      await run.cleanup();
    }
  });

  it('fails with one clear error when an ECR image has no AWS credentials, before building', async () => {
    const run = await publish(
      {
        images: `${ecr.accountId}.dkr.ecr.eu-west-1.amazonaws.com/app`,
        context: await buildContext('ecr-no-credentials'),
        tags: 'type=raw,value=1',
        'registry-username': '',
        'registry-password': '',
      },
      { env: { AWS_EC2_METADATA_DISABLED: 'true' } },
    );
    try {
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.outputs['failure-reason'], 'aws-credentials-missing', run.main.log);
      assert.match(run.main.log, /configure-aws-credentials/);
      assert.doesNotMatch(run.main.log, /\[command\]docker (build|login) /);
    } finally {
      await run.cleanup();
    }
  });
});

describe('docker-publish promotes an existing image without building (source-image)', () => {
  let second: Registry;
  beforeAll(async () => {
    second = await startRegistry({ [USER.username]: USER.password, [ECR_USER.username]: ECR_USER.password });
  });
  afterAll(() => second?.stop());

  const auth = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
  const MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
  const LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

  /** The manifest `repository:reference` has in `host`: its media type, size and digest. */
  async function manifestOf(host: string, repository: string, reference: string) {
    const response = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
      headers: { authorization: auth, accept: [MANIFEST, LIST].join(', ') },
    });
    if (!response.ok) return undefined;
    const body = Buffer.from(await response.arrayBuffer());
    return {
      mediaType: response.headers.get('content-type') ?? '',
      size: body.length,
      digest: response.headers.get('docker-content-digest') ?? '',
    };
  }

  /**
   * A two-platform image (a manifest list) in the first registry, made of two
   * images pushed by docker-publish: there is no buildx here to build one.
   */
  async function pushManifestList(repository: string): Promise<{ digest: string; platforms: string[] }> {
    const platforms: string[] = [];
    for (const arch of ['amd64', 'arm64']) {
      const run = await publish({
        images: `${registry.host}/${repository}`,
        context: await buildContext(`promote-${arch}`),
        tags: `type=raw,value=${arch}`,
      });
      await run.cleanup();
      expect(run.main.exitCode, run.main.log).toBe(0);
      platforms.push(run.main.outputs.digest!);
    }
    const manifests = await Promise.all(
      ['amd64', 'arm64'].map(async (architecture) => ({
        ...(await manifestOf(registry.host, repository, architecture))!,
        platform: { architecture, os: 'linux' },
      })),
    );
    const response = await fetch(`http://${registry.host}/v2/${repository}/manifests/multi`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': LIST },
      body: JSON.stringify({ schemaVersion: 2, mediaType: LIST, manifests }),
    });
    expect(response.status, await response.text()).toBe(201);
    return { digest: response.headers.get('docker-content-digest')!, platforms };
  }

  it('copies a manifest list to another repository and a second registry: same digest, every platform, every tag, nothing built', async () => {
    const source = await pushManifestList('team/source');
    const targets = [`${registry.host}/team/promoted`, `${second.host}/prod/app`];
    const inputs = {
      images: targets.join('\n'),
      'source-image': `${registry.host}/team/source@${source.digest}`,
      tags: 'type=semver,pattern={{version}}\ntype=raw,value=stable',
      'registry-username': '',
      'registry-password': '',
      registries: [registry.host, second.host]
        .map((host) => `- registry: ${host}\n  username: ${USER.username}\n  password: ${USER.password}`)
        .join('\n'),
      // No Dockerfile in the workspace: a promotion needs none.
      context: '.',
    };
    const run = await publish(inputs, { event: tagPushEvent('v2.0.0') });
    try {
      expect(run.main.exitCode, run.main.log).toBe(0);
      expect(run.main.outputs.digest).toBe(source.digest);
      expect(run.main.outputs['image-refs']?.split('\n')).toEqual(targets.map((t) => `${t}@${source.digest}`));
      expect(run.main.outputs['image-id']).toBe('');
      expect(run.main.log).not.toMatch(/\[command\]docker (build|push) /);
      expect(run.main.log).toMatch(/\[command\]skopeo copy --all --preserve-digests /);
      for (const [target, host, repository] of [
        [targets[0], registry.host, 'team/promoted'],
        [targets[1], second.host, 'prod/app'],
      ] as const) {
        for (const tag of ['2.0.0', 'stable', 'latest']) {
          const copied = await manifestOf(host, repository, tag);
          expect(copied, `${target}:${tag}`).toMatchObject({ digest: source.digest, mediaType: LIST });
        }
        // Every platform came along, each under its own digest.
        for (const platform of source.platforms) {
          expect((await manifestOf(host, repository, platform))?.digest).toBe(platform);
        }
      }
      expect(run.main.summary).toContain(`| \`${targets[1]}:stable\` | ✅ pushed | \`${source.digest}\` |`);
      expect(run.visibleText()).not.toContain(USER.password);
      expect(await leftovers(run)).toEqual([]);
    } finally {
      await run.cleanup();
    }

    // A re-run (if-tag-exists: skip): every tag is there; nothing is copied, and the digest is the one they hold.
    const again = await publish({ ...inputs, 'if-tag-exists': 'skip' }, { event: tagPushEvent('v2.0.0') });
    try {
      expect(again.main.exitCode, again.main.log).toBe(0);
      expect(again.main.outputs.digest).toBe(source.digest);
      expect(again.main.outputs['image-refs']?.split('\n')).toEqual(targets.map((t) => `${t}@${source.digest}`));
      expect(again.main.log).not.toMatch(/\[command\](docker (build|push)|skopeo copy) /);
      expect(again.main.log).toContain(`nothing to build or push; the image is ${source.digest}.`);
    } finally {
      await again.cleanup();
    }
  });

  it('reads the source from a registry that is only read from, with its own login', async () => {
    const sourceRun = await publish({
      images: `${second.host}/staging/app`,
      context: await buildContext('promote-staging'),
      tags: 'type=raw,value=rc',
    });
    await sourceRun.cleanup();
    expect(sourceRun.main.exitCode, sourceRun.main.log).toBe(0);
    const digest = sourceRun.main.outputs.digest!;

    // registry-username/password go to the target; the source's registry has its own entry.
    const run = await publish({
      images: `${registry.host}/prod/from-staging`,
      'source-image': `${second.host}/staging/app:rc@${digest}`,
      tags: 'type=raw,value=1',
      registries: `- registry: ${second.host}\n  username: ${ECR_USER.username}\n  password: ${ECR_USER.password}`,
    });
    try {
      expect(run.main.exitCode, run.main.log).toBe(0);
      expect(run.main.outputs.digest).toBe(digest);
      expect(await registry.manifestDigest('prod/from-staging', '1', USER)).toBe(digest);
      expect(run.main.log).toContain(`${second.host}: logged in as ${ECR_USER.username}`);
    } finally {
      await run.cleanup();
    }
  });

  it('refuses a source named by tag, before any login', async () => {
    const run = await publish({
      images: `${registry.host}/prod/app`,
      'source-image': `${registry.host}/team/source:latest`,
      tags: 'type=raw,value=1',
    });
    try {
      expect(run.main.exitCode).toBe(1);
      expect(run.main.outputs['failure-reason']).toBe('invalid-input');
      expect(run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
        expect.stringMatching(
          /^Input 'source-image' is '.*team\/source:latest', which has no digest: name the image by digest/,
        ),
      ]);
      expect(run.main.log).not.toContain('[command]');
    } finally {
      await run.cleanup();
    }
  });
});

describe('docker-publish reports a failed build by its error', () => {
  it("headlines the first real error, not the deprecation notice, and puts the build's last lines in the summary", async () => {
    const dir = path.join(contexts, 'failing');
    await mkdir(dir, { recursive: true });
    // busybox (static) as the image's shell, so that a RUN can fail as it would in a real image.
    await writeFile(path.join(dir, 'busybox'), await readFile('/bin/busybox'), { mode: 0o755 });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/sh\nRUN false\n');
    const run = await publish({ images: `${registry.host}/team/failing`, context: dir, tags: 'type=raw,value=1' });
    try {
      expect(run.main.exitCode).toBe(1);
      expect(run.main.outputs['failure-reason']).toBe('build-failed');
      const [error] = run.main.annotations.filter((a) => a.level === 'error');
      expect(error?.message.split('\n')[0]).toBe(
        "docker build failed: The command '/bin/sh -c false' returned a non-zero code: 1",
      );
      expect(run.main.summary).toContain(
        "**❌ docker-publish failed:** docker build failed: The command '/bin/sh -c false' returned a non-zero code: 1 (`build-failed`)",
      );
      expect(run.main.summary).toMatch(
        /```\nThe build's last lines:\n[\s\S]*Step 3\/\d+ : RUN false[\s\S]*returned a non-zero code: 1\n```/,
      );
      expect(run.main.summary).not.toContain('docs.docker.com/go/buildx');
      expect(run.visibleText()).not.toContain(USER.password);
    } finally {
      await run.cleanup();
    }
  });
});

describe('docker-publish logs in to further ECR accounts for base images (ecr-account-ids)', () => {
  let base: Registry;
  let ecr: EcrApiFake;
  beforeAll(async () => {
    base = await startRegistry({ [USER.username]: USER.password, [ECR_USER.username]: ECR_USER.password });
    // The token's proxyEndpoint names the registry docker logs in to: here the local one standing for that account's.
    ecr = await startEcrApiFake({ proxyEndpoint: () => `https://${base.host}` });
  });
  afterAll(async () => {
    await Promise.all([base?.stop(), ecr?.close()]);
  });

  it('gets a token per account with registryIds and logs in before the build, which pulls its base image', async () => {
    // The base image, in the other account's registry, and not in the engine: the build must pull it.
    const config = await mkdtemp(path.join(tmpdir(), 'base-config-'));
    const docker = (args: string[]) => engine.docker(args, { env: { DOCKER_CONFIG: config } });
    try {
      const context = await buildContext('base-image');
      await docker(['build', '-t', `${base.host}/base/busy:1`, context]);
      await docker(['login', '--username', USER.username, '--password', USER.password, base.host]);
      await docker(['push', `${base.host}/base/busy:1`]);
      await docker(['rmi', `${base.host}/base/busy:1`]);
    } finally {
      await rm(config, { recursive: true, force: true });
    }
    const dir = path.join(contexts, 'from-other-account');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${base.host}/base/busy:1\nLABEL from=other-account\n`);

    const run = await publish(
      {
        images: `${registry.host}/team/derived`,
        context: dir,
        tags: 'type=raw,value=1',
        'ecr-account-ids': '210987654321, 210987654321',
      },
      { env: { ...ecr.env(), AWS_EC2_METADATA_DISABLED: 'true' } },
    );
    try {
      expect(run.main.exitCode, run.main.log).toBe(0);
      expect(ecr.requestsTo('GetAuthorizationToken').map((r) => r.body)).toEqual([{ registryIds: ['210987654321'] }]);
      expect(run.main.log).toContain(
        `${base.host}: logged in as AWS (ECR, account 210987654321, for the build's base images)`,
      );
      expect(run.main.log.indexOf("for the build's base images")).toBeLessThan(
        run.main.log.indexOf('[command]docker build '),
      );
      expect(await registry.manifestDigest('team/derived', '1', USER)).toBe(run.main.outputs.digest);
      expect(run.visibleText()).not.toContain(FAKE_ECR_PASSWORD);
      expect(await leftovers(run)).toEqual([]);
    } finally {
      await run.cleanup();
    }
  });

  it('refuses an account ID that is not 12 digits, before anything runs', async () => {
    const run = await publish({
      images: `${registry.host}/team/derived`,
      context: await buildContext('bad-account'),
      tags: 'type=raw,value=1',
      'ecr-account-ids': '21098765432',
    });
    try {
      expect(run.main.exitCode).toBe(1);
      expect(run.main.outputs['failure-reason']).toBe('invalid-input');
      expect(run.main.log).toMatch(/Input 'ecr-account-ids' has "21098765432", which is not an AWS account ID/);
      expect(run.main.log).not.toContain('[command]');
    } finally {
      await run.cleanup();
    }
  });
});
