import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { invalidInputError } from '../../../../test/assertions.ts';
import { buildCommand, checkBuildInputs, pushedByBuildx, type BuildOptions } from './build-command.ts';

const files = { iidFile: '/tmp/rt/iid', metadataFile: '/tmp/rt/metadata.json' };

function options(overrides: Partial<BuildOptions> = {}): BuildOptions {
  return {
    context: '.',
    file: '',
    target: '',
    buildArgs: {},
    labels: {},
    tags: ['ghcr.io/org/app:1.2.3', 'ghcr.io/org/app:latest'],
    platforms: [],
    cacheFrom: [],
    cacheTo: [],
    secretFiles: {},
    provenance: '',
    push: true,
    load: false,
    noCache: false,
    pull: false,
    annotations: [],
    ...overrides,
  };
}

describe('buildCommand', () => {
  it('builds with the classic builder: tags, labels, build args, target, file, image ID file', () => {
    const args = buildCommand(
      options({
        file: 'docker/Dockerfile',
        target: 'runtime',
        buildArgs: { VERSION: '1.2.3', NOTE: 'two words "quoted"' },
        labels: { 'org.opencontainers.image.revision': 'abc' },
        cacheFrom: ['ghcr.io/org/app:latest'],
      }),
      'classic',
      files,
    );
    assert.deepEqual(args, [
      'build',
      '--file',
      'docker/Dockerfile',
      '--target',
      'runtime',
      '--build-arg',
      'VERSION=1.2.3',
      '--build-arg',
      'NOTE=two words "quoted"',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--tag',
      'ghcr.io/org/app:1.2.3',
      '--tag',
      'ghcr.io/org/app:latest',
      '--cache-from',
      'ghcr.io/org/app:latest',
      '--iidfile',
      '/tmp/rt/iid',
      '.',
    ]);
  });

  it('loads a single-platform buildx image into the engine, to be pushed per reference', () => {
    const args = buildCommand(
      options({ platforms: ['linux/arm64'], secretFiles: { npm: '/tmp/rt/s1' } }),
      'buildx',
      files,
    );
    assert.deepEqual(args.slice(0, 2), ['buildx', 'build']);
    assert.ok(args.includes('--load') && !args.includes('--push'));
    assert.deepEqual(args.slice(args.indexOf('--secret'), args.indexOf('--secret') + 2), [
      '--secret',
      'id=npm,src=/tmp/rt/s1',
    ]);
    assert.equal(args.at(-1), '.');
  });

  it('lets buildx push a multi-platform image or one with provenance itself', () => {
    const multi = options({ platforms: ['linux/amd64', 'linux/arm64'], cacheTo: ['type=gha,mode=max'] });
    assert.equal(pushedByBuildx(multi, 'buildx'), true);
    const args = buildCommand(multi, 'buildx', files);
    assert.ok(args.includes('--push') && !args.includes('--load'));
    assert.ok(args.includes('linux/amd64,linux/arm64'));
    assert.ok(args.includes('type=gha,mode=max'));
    assert.equal(pushedByBuildx(options({ provenance: 'mode=max' }), 'buildx'), true);
    assert.ok(buildCommand(options({ provenance: 'mode=max' }), 'buildx', files).includes('--provenance=mode=max'));
    assert.equal(pushedByBuildx(options({ provenance: 'false' }), 'buildx'), false);
    assert.equal(pushedByBuildx(multi, 'classic'), false);
  });

  it('refuses, naming the input, what only BuildKit can do when buildx is missing', () => {
    const refused: [Partial<BuildOptions>, string][] = [
      [{ platforms: ['linux/amd64', 'linux/arm64'] }, 'platforms'],
      [{ cacheTo: ['type=inline'] }, 'cache-to'],
      [{ secretFiles: { token: '/tmp/rt/s' } }, 'secrets'],
      [{ provenance: 'true' }, 'provenance'],
    ];
    for (const [overrides, input] of refused) {
      assert.throws(
        () => buildCommand(options(overrides), 'classic', files),
        invalidInputError(new RegExp(`^Input '${input}' .* needs BuildKit, and docker buildx is not installed`)),
      );
    }
    assert.doesNotThrow(() =>
      buildCommand(options({ provenance: 'false', platforms: ['linux/amd64'] }), 'classic', files),
    );
  });

  it('writes annotations only where buildx pushes: the classic builder and docker push have none', () => {
    const annotations = ['manifest:org.opencontainers.image.title=app', 'index:org.opencontainers.image.version=1'];
    const pushed = buildCommand(options({ annotations, platforms: ['linux/amd64', 'linux/arm64'] }), 'buildx', files);
    expect(pushed.filter((arg, i) => pushed[i - 1] === '--annotation')).toEqual(annotations);
    expect(buildCommand(options({ annotations }), 'buildx', files)).not.toContain('--annotation');
    expect(buildCommand(options({ annotations }), 'classic', files)).not.toContain('--annotation');
  });

  it('refuses to load a multi-platform image', () => {
    assert.throws(
      () => buildCommand(options({ platforms: ['linux/amd64', 'linux/arm64'], load: true }), 'buildx', files),
      invalidInputError(/^Input 'load' cannot load a multi-platform image/),
    );
  });
});

describe('checkBuildInputs', () => {
  const check = (
    overrides: Partial<BuildOptions> = {},
    more: { labels?: Record<string, string>; secretIds?: string[] } = {},
  ) => checkBuildInputs(options(overrides), { labels: more.labels ?? {}, secretIds: more.secretIds ?? [] });

  it('accepts what docker and buildx accept', () => {
    expect(() =>
      check(
        {
          platforms: ['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8'],
          target: 'runtime-stage.2',
          provenance: 'mode=max',
          cacheFrom: ['type=gha'],
          cacheTo: ['type=gha,mode=max'],
          buildArgs: { VERSION: '1 2 "3"' },
        },
        { labels: { 'org.opencontainers.image.vendor': 'Example Corp' }, secretIds: ['npm_token', 'aws.creds-1'] },
      ),
    ).not.toThrow();
  });

  it.each([
    [
      { platforms: ['linux/amd64', 'Linux AMD64'] },
      {},
      "Input 'platforms' has 'Linux AMD64', which is not a platform: write os/arch[/variant] in lowercase, e.g. linux/amd64 or linux/arm/v7",
    ],
    [{ platforms: ['linux/amd64', 'linux/amd64'] }, {}, "Input 'platforms' names a platform twice; give each once"],
    [{ platforms: ['../../x'] }, {}, /^Input 'platforms' has '\.\.\/\.\.\/x', which is not a platform/],
    [{ load: true, platforms: ['linux/amd64', 'linux/arm64'] }, {}, /^Input 'load' cannot load a multi-platform image/],
    [{ target: '../x y' }, {}, /^Input 'target' is '\.\.\/x y', which is not a build stage name/],
    [{ provenance: 'mode=max\n--push' }, {}, /^Input 'provenance' has a space or a line break/],
    [{ cacheTo: ['type=local,dest=/x\r'] }, {}, /^Input 'cache-to' has a control character/],
    [{ buildArgs: { 'A B': '1' } }, {}, "Input 'build-args' has the key 'A B' with a space in it; write KEY=VALUE"],
    [{ buildArgs: { A: 'x\ry' } }, {}, /^Input 'build-args' has a value with a control character/],
    [{}, { labels: { 'a\tb': 'x' } }, "Input 'labels' has the key 'a\\tb' with a space in it; write KEY=VALUE"],
    [
      {},
      { secretIds: ['ok', 'x,src=/etc/shadow'] },
      "Input 'secrets' has an ID (entry 2) that is not letters, digits, '_', '.' or '-'; write ID=VALUE, one per line",
    ],
  ] as const)('refuses %j %j', (overrides, more, message) => {
    expect(() =>
      check(overrides as Partial<BuildOptions>, more as { labels?: Record<string, string>; secretIds?: string[] }),
    ).toThrow(typeof message === 'string' ? message : message);
  });
});
