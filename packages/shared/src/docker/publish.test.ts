import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionError } from '../../../../test/assertions.ts';
import type { CommandRunner } from '../util/command.ts';
import { createDockerCli } from './docker-cli.ts';
import { createImageCopier } from './image-copy.ts';
import { parseDigestReference, parseImageName } from './image-reference.ts';
import { publish, type EcrRegistry, type PublishSettings } from './publish.ts';

// The publish flow with a scripted `docker` (no buildx engine exists on this
// machine, so the buildx path is seen here; the classic path runs against a
// real engine in test/e2e/docker-publish.test.ts).

const DIGEST = `sha256:${'ab'.repeat(32)}`;
let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'publish-'));
});
afterEach(() => rm(workDir, { recursive: true, force: true }));

interface Script {
  buildx: boolean;
  /** Exit codes and error text of successive build attempts. */
  builds?: { code: number; stderr?: string }[];
  /** What `docker manifest inspect --verbose` prints per reference the registry holds (a manifest, or a list's platforms). */
  existing?: Record<string, unknown>;
  /** The index digest `docker buildx imagetools inspect` gives per reference. */
  indexes?: Record<string, string>;
}

function scriptedDocker(script: Script): { exec: CommandRunner; calls: string[][]; inputs: string[] } {
  const calls: string[][] = [];
  const inputs: string[] = [];
  let builds = 0;
  const exec: CommandRunner = async (_command, args, options) => {
    calls.push([...args]);
    if (options.input !== undefined) inputs.push(options.input);
    const ok = { exitCode: 0, stdout: '', stderr: '' };
    if (args[0] === 'version') return { ...ok, stdout: '27.0.0\n' };
    if (args[0] === 'buildx' && args[1] === 'version')
      return script.buildx ? ok : { exitCode: 1, stdout: '', stderr: "docker: 'buildx' is not a docker command." };
    if (args[0] === 'login') return ok;
    if (args[0] === 'manifest' && args[1] === 'inspect') {
      const found = script.existing?.[args.at(-1)!];
      if (found === undefined) return { exitCode: 1, stdout: '', stderr: `no such manifest: ${args.at(-1)}\n` };
      return { ...ok, stdout: JSON.stringify(found) };
    }
    if (args[0] === 'buildx' && args[1] === 'imagetools') {
      return {
        ...ok,
        stdout: JSON.stringify({
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: script.indexes?.[args.at(-1)!],
        }),
      };
    }
    if (args[0] === 'buildx' || args[0] === 'build') {
      const answer = script.builds?.[builds++] ?? { code: 0 };
      if (answer.code !== 0) return { exitCode: answer.code, stdout: '', stderr: answer.stderr ?? '' };
      const flag = (name: string) => args[args.indexOf(name) + 1] ?? '';
      await writeFile(flag('--iidfile'), `sha256:${'cd'.repeat(32)}`);
      if (args.includes('--metadata-file'))
        await writeFile(flag('--metadata-file'), JSON.stringify({ 'containerimage.digest': DIGEST }));
      return ok;
    }
    if (args[0] === 'push') return { ...ok, stdout: `1: digest: ${DIGEST} size: 736\n` };
    throw new Error(`unexpected docker ${args.join(' ')}`);
  };
  return { exec, calls, inputs };
}

const noEcr: EcrRegistry = {
  login: () => Promise.reject(new Error('no ECR here')),
  publicLogin: () => Promise.reject(new Error('no ECR here')),
  ensureRepository: () => Promise.reject(new Error('no ECR here')),
  tagDigest: () => Promise.reject(new Error('no ECR here')),
};

function settings(
  overrides: Partial<PublishSettings['build']> = {},
  secrets: Record<string, string> = {},
): PublishSettings {
  return {
    images: [parseImageName('ghcr.io/org/app'), parseImageName('registry.example:5000/app')],
    tags: ['1.2.3', 'latest'],
    labels: { 'org.opencontainers.image.version': '1.2.3' },
    logins: [
      { host: 'ghcr.io', method: 'password', credentials: { username: 'octo', password: 'ghp_secret' } },
      { host: 'registry.example:5000', method: 'none' },
    ],
    build: {
      context: '.',
      file: '',
      target: '',
      buildArgs: {},
      platforms: [],
      cacheFrom: [],
      cacheTo: [],
      provenance: '',
      push: true,
      load: false,
      noCache: false,
      pull: false,
      annotations: [],
      ...overrides,
    },
    secrets,
    ifTagExists: 'overwrite',
    ecr: { createRepository: false, scanOnPush: true, tagImmutability: 'MUTABLE' },
    retry: { attempts: 3, firstDelayMs: 1, maxDelayMs: 5 },
  };
}

function deps(exec: CommandRunner, masked: string[] = [], log: string[] = []) {
  return {
    cli: createDockerCli({ configDir: path.join(workDir, 'config'), exec }),
    ecr: noEcr,
    workDir,
    mask: (value: string) => masked.push(value),
    log: (line: string) => log.push(line),
    group: <T>(_title: string, fn: () => Promise<T>) => fn(),
  };
}

describe('publish', () => {
  it('lets buildx push a multi-platform image with every tag, retrying the whole build on a 503, with secrets as files', async () => {
    const docker = scriptedDocker({
      buildx: true,
      builds: [
        { code: 1, stderr: 'ERROR: failed to push ghcr.io/org/app:1.2.3: 503 Service Unavailable' },
        { code: 0 },
      ],
    });
    const masked: string[] = [];
    const result = await publish(
      settings({ platforms: ['linux/amd64', 'linux/arm64'] }, { npm_token: 'npm_abc' }),
      deps(docker.exec, masked),
    );

    assert.equal(result.builder, 'buildx');
    assert.equal(result.digest, DIGEST);
    assert.deepEqual(
      result.references.map((r) => [r.reference, r.status, r.digest, r.attempts]),
      [
        ['ghcr.io/org/app:1.2.3', 'pushed', DIGEST, 2],
        ['ghcr.io/org/app:latest', 'pushed', DIGEST, 2],
        ['registry.example:5000/app:1.2.3', 'pushed', DIGEST, 2],
        ['registry.example:5000/app:latest', 'pushed', DIGEST, 2],
      ],
    );
    const builds = docker.calls.filter((args) => args[0] === 'buildx' && args[1] === 'build');
    assert.equal(builds.length, 2);
    assert.ok(builds[0]?.includes('--push'));
    assert.ok(!docker.calls.some((args) => args[0] === 'push'), 'buildx pushed; no docker push');
    // The password went on stdin only; the secret went through a 0600 file that is gone now.
    assert.deepEqual(docker.inputs, ['ghp_secret']);
    assert.ok(!docker.calls.flat().some((arg) => arg.includes('ghp_secret') || arg.includes('npm_abc')));
    assert.deepEqual(masked, ['ghp_secret']);
    const secret = builds[0]?.[builds[0].indexOf('--secret') + 1] ?? '';
    assert.match(secret, /^id=npm_token,src=.*build-secret-/);
  });

  it('with buildx and one platform, loads the image and pushes each reference itself', async () => {
    const docker = scriptedDocker({ buildx: true });
    const result = await publish(settings({ platforms: ['linux/arm64'] }), deps(docker.exec));
    assert.ok(docker.calls.some((args) => args[0] === 'buildx' && args.includes('--load')));
    assert.deepEqual(
      docker.calls.filter((args) => args[0] === 'push').map((args) => args[1]),
      [
        'ghcr.io/org/app:1.2.3',
        'ghcr.io/org/app:latest',
        'registry.example:5000/app:1.2.3',
        'registry.example:5000/app:latest',
      ],
    );
    assert.equal(result.digest, DIGEST);
  });

  it('does not retry a build that fails for another reason', async () => {
    const docker = scriptedDocker({
      buildx: true,
      builds: [{ code: 1, stderr: 'ERROR: failed to solve: dockerfile parse error line 3' }],
    });
    await assert.rejects(
      publish(settings({ platforms: ['linux/amd64', 'linux/arm64'] }), deps(docker.exec)),
      actionError('build-failed', /dockerfile parse error/),
    );
    assert.equal(docker.calls.filter((args) => args[1] === 'build').length, 1);
  });

  it('refuses, before any login, an option the classic builder cannot honour', async () => {
    const docker = scriptedDocker({ buildx: false });
    await assert.rejects(
      publish(settings({ cacheTo: ['type=gha'] }), deps(docker.exec)),
      actionError('invalid-input', /^Input 'cache-to'/),
    );
    assert.ok(!docker.calls.some((args) => args[0] === 'login'));
    // A secret written for the build is gone when the build is refused.
    await assert.rejects(
      publish(settings({}, { token: 'abc' }), deps(docker.exec)),
      actionError('invalid-input', /^Input 'secrets'/),
    );
    assert.deepEqual(await readdir(workDir), []);
  });

  it('if-tag-exists: skip with every tag present builds nothing and gives the digest the tags hold', async () => {
    const OLD = `sha256:${'0e'.repeat(32)}`;
    const INDEX = `sha256:${'1d'.repeat(32)}`;
    const manifest = { Ref: 'x', Descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: OLD } };
    const platforms = [manifest, { ...manifest, Descriptor: { ...manifest.Descriptor, digest: DIGEST } }];
    const existing = {
      'ghcr.io/org/app:1.2.3': platforms, // a multi-platform image: its index digest comes from imagetools
      'ghcr.io/org/app:latest': platforms,
      'registry.example:5000/app:1.2.3': manifest,
      'registry.example:5000/app:latest': manifest,
    };
    const indexes = { 'ghcr.io/org/app:1.2.3': INDEX, 'ghcr.io/org/app:latest': INDEX };
    const docker = scriptedDocker({ buildx: true, existing, indexes });
    const log: string[] = [];
    const result = await publish({ ...settings(), ifTagExists: 'skip' }, deps(docker.exec, [], log));

    assert.equal(result.digest, INDEX, 'the first image');
    assert.deepEqual(
      result.references.map((r) => [r.reference, r.status, r.digest]),
      [
        ['ghcr.io/org/app:1.2.3', 'skipped', INDEX],
        ['ghcr.io/org/app:latest', 'skipped', INDEX],
        ['registry.example:5000/app:1.2.3', 'skipped', OLD],
        ['registry.example:5000/app:latest', 'skipped', OLD],
      ],
    );
    assert.ok(!docker.calls.some((args) => args.includes('build') || args[0] === 'push'), 'nothing built or pushed');
    assert.deepEqual(
      docker.calls.find((args) => args[0] === 'manifest'),
      ['manifest', 'inspect', '--verbose', 'ghcr.io/org/app:1.2.3'],
    );
    assert.match(log.at(-1) ?? '', new RegExp(`nothing to build or push; the image is ${INDEX}`));
  });

  it('if-tag-exists: skip cannot read a manifest list digest without buildx, and says so before building', async () => {
    const manifest = { Ref: 'x', Descriptor: { digest: DIGEST } };
    const docker = scriptedDocker({ buildx: false, existing: { 'ghcr.io/org/app:1.2.3': [manifest, manifest] } });
    await assert.rejects(
      publish({ ...settings(), ifTagExists: 'skip' }, deps(docker.exec)),
      actionError(
        'registry-lookup-failed',
        /^Could not read the digest of ghcr\.io\/org\/app:1\.2\.3: it is a multi-platform image/,
      ),
    );
    assert.ok(!docker.calls.some((args) => args[0] === 'build'));
  });

  it('refuses to push when the rules give no tag', async () => {
    const docker = scriptedDocker({ buildx: false });
    await assert.rejects(
      publish({ ...settings(), tags: [] }, deps(docker.exec)),
      actionError('no-tags', /give no tag for this event/),
    );
    assert.deepEqual(docker.calls, []);
  });
});

describe('publish with source-image (promotion without a build)', () => {
  const SOURCE = `sha256:${'5e'.repeat(32)}`;
  const source = parseDigestReference(`127.0.0.1:5000/team/app@${SOURCE}`, 'source-image');

  /** A scripted skopeo: copies (the first `failures` with 503), digests of tags the registries hold. */
  function scriptedSkopeo(script: { failures?: number; existing?: Record<string, string>; missing?: boolean } = {}) {
    const calls: string[][] = [];
    let failures = script.failures ?? 0;
    const exec: CommandRunner = async (_command, args) => {
      if (script.missing) throw new Error('spawn skopeo ENOENT');
      calls.push([...args]);
      if (args[0] === '--version') return { exitCode: 0, stdout: 'skopeo version 1.13.3\n', stderr: '' };
      if (args[0] === 'inspect') {
        const manifest = script.existing?.[args.at(-1)!.replace('docker://', '')];
        if (manifest === undefined) return { exitCode: 1, stdout: '', stderr: 'manifest unknown: manifest unknown' };
        return { exitCode: 0, stdout: manifest, stderr: '' };
      }
      if (failures-- > 0) {
        return {
          exitCode: 1,
          stdout: '',
          stderr: 'writing manifest: received unexpected HTTP status: 503 Service Unavailable',
        };
      }
      await writeFile(args[args.indexOf('--digestfile') + 1]!, SOURCE);
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    return { calls, copier: createImageCopier({ configDir: path.join(workDir, 'config'), exec }) };
  }

  const promotion = (): PublishSettings => ({
    ...settings(),
    source,
    logins: [...settings().logins, { host: '127.0.0.1:5000', method: 'none' }],
  });

  it('copies the source to every reference with skopeo, retrying a 503, and builds nothing', async () => {
    const docker = scriptedDocker({ buildx: false });
    const skopeo = scriptedSkopeo({ failures: 1 });
    const log: string[] = [];
    const result = await publish(promotion(), { ...deps(docker.exec, [], log), copier: skopeo.copier });

    expect(result.digest).toBe(SOURCE);
    expect(result.imageId).toBe('');
    expect(result.promotedFrom).toBe(`127.0.0.1:5000/team/app@${SOURCE}`);
    expect(result.references.map((r) => [r.reference, r.status, r.digest, r.attempts])).toEqual([
      ['ghcr.io/org/app:1.2.3', 'pushed', SOURCE, 2],
      ['ghcr.io/org/app:latest', 'pushed', SOURCE, 1],
      ['registry.example:5000/app:1.2.3', 'pushed', SOURCE, 1],
      ['registry.example:5000/app:latest', 'pushed', SOURCE, 1],
    ]);
    expect(docker.calls.some((args) => args[0] === 'build' || args[0] === 'push')).toBe(false);
    const copies = skopeo.calls.filter((args) => args[0] === 'copy');
    expect(copies).toHaveLength(5);
    expect(copies[0]).toContain('--src-tls-verify=false'); // the source is on loopback
    expect(copies[0]).not.toContain('--dest-tls-verify=false'); // ghcr.io is not
    expect(copies.map((args) => args.at(-2))).toEqual(Array(5).fill(`docker://127.0.0.1:5000/team/app@${SOURCE}`));
    expect(log).toContainEqual(
      expect.stringMatching(/^Attempt 1 for ghcr\.io\/org\/app:1\.2\.3 failed with a transient error/),
    );
  });

  it('with every tag there (if-tag-exists: skip), copies nothing and gives the digest the tags hold', async () => {
    const manifest = '{"schemaVersion":2}';
    const held = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    const existing = Object.fromEntries(
      [
        'ghcr.io/org/app:1.2.3',
        'ghcr.io/org/app:latest',
        'registry.example:5000/app:1.2.3',
        'registry.example:5000/app:latest',
      ].map((reference) => [reference, manifest]),
    );
    const docker = scriptedDocker({ buildx: false });
    const skopeo = scriptedSkopeo({ existing });
    const result = await publish(
      { ...promotion(), ifTagExists: 'skip' },
      { ...deps(docker.exec), copier: skopeo.copier },
    );

    expect(result.digest).toBe(held);
    expect(result.references.every((r) => r.status === 'skipped' && r.digest === held)).toBe(true);
    expect(skopeo.calls.some((args) => args[0] === 'copy')).toBe(false);
    // The lookups went through skopeo (which reads a manifest list's own digest), not docker manifest inspect.
    expect(docker.calls.some((args) => args[0] === 'manifest')).toBe(false);
  });

  it('without skopeo, fails with one line naming the package before any login', async () => {
    const docker = scriptedDocker({ buildx: false });
    const skopeo = scriptedSkopeo({ missing: true });
    await expect(publish(promotion(), { ...deps(docker.exec), copier: skopeo.copier })).rejects.toMatchObject({
      reason: 'skopeo-unavailable',
      message: expect.stringContaining("install the package 'skopeo'"),
    });
    expect(docker.calls.some((args) => args[0] === 'login')).toBe(false);
  });

  it('refuses push: false, before running anything', async () => {
    const docker = scriptedDocker({ buildx: false });
    const skopeo = scriptedSkopeo();
    const base = promotion();
    await expect(
      publish({ ...base, build: { ...base.build, push: false } }, { ...deps(docker.exec), copier: skopeo.copier }),
    ).rejects.toMatchObject({ reason: 'invalid-input', message: expect.stringMatching(/^Input 'push' is false/) });
    expect(docker.calls).toEqual([]);
  });
});

describe('publish with ecr-account-ids', () => {
  it("logs in to each further account's registry, at the host AWS's token names, before the build, even with push: false", async () => {
    const docker = scriptedDocker({ buildx: false });
    const asked: string[] = [];
    const ecr: EcrRegistry = {
      ...noEcr,
      login: async (plan) => {
        asked.push(plan.accountId);
        return {
          username: 'AWS',
          password: `token-${plan.accountId}`,
          host: `${plan.accountId}.dkr.ecr.eu-west-1.amazonaws.com`,
        };
      },
    };
    const base = settings({ push: false });
    const account = (id: string) =>
      ({
        host: `${id}.dkr.ecr.eu-west-1.amazonaws.com`,
        method: 'ecr',
        accountId: id,
        region: 'eu-west-1',
        fips: false,
        dualstack: false,
        account: true,
      }) as const;
    const masked: string[] = [];
    const log: string[] = [];
    await publish(
      { ...base, logins: [...base.logins, account('111111111111'), account('222222222222')] },
      { ...deps(docker.exec, masked, log), ecr },
    );

    expect(asked).toEqual(['111111111111', '222222222222']);
    const logins = docker.calls.filter((args) => args[0] === 'login').map((args) => args.at(-1));
    expect(logins).toEqual([
      '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
      '222222222222.dkr.ecr.eu-west-1.amazonaws.com',
    ]);
    // Only those: with push: false, the registries pushed to are not logged in to.
    expect(masked).toEqual(['token-111111111111', 'token-222222222222']);
    expect(docker.calls.findIndex((args) => args[0] === 'login')).toBeLessThan(
      docker.calls.findIndex((args) => args[0] === 'build'),
    );
    expect(log).toContain(
      "111111111111.dkr.ecr.eu-west-1.amazonaws.com: logged in as AWS (ECR, account 111111111111, for the build's base images)",
    );
  });
});

describe('a failed build', () => {
  it("is reported by its first real error, not the classic builder's deprecation notice, with the output's last lines", async () => {
    const docker = scriptedDocker({
      buildx: false,
      builds: [
        {
          code: 1,
          stderr:
            'DEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n            Install the buildx component to build images with BuildKit:\n            https://docs.docker.com/go/buildx/\n\nCOPY failed: file not found in build context or excluded by .dockerignore: stat app.jar: file does not exist\n',
        },
      ],
    });
    const error = await publish(settings(), deps(docker.exec)).then(
      () => new Error('the build did not fail'),
      (e: unknown) => e as Error,
    );
    const [headline, ...rest] = error.message.split('\n');
    expect(headline).toBe(
      'docker build failed: COPY failed: file not found in build context or excluded by .dockerignore: stat app.jar: file does not exist',
    );
    expect(rest.join('\n')).toContain("The build's last lines:");
    expect(error.message).not.toContain('docs.docker.com/go/buildx');
  });
});
