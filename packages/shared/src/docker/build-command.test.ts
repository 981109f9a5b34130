import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { invalidInputError } from '../../../../test/assertions.ts';
import { buildCommand, pushedByBuildx, type BuildOptions } from './build-command.ts';

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

  it('refuses to load a multi-platform image', () => {
    assert.throws(
      () => buildCommand(options({ platforms: ['linux/amd64', 'linux/arm64'], load: true }), 'buildx', files),
      invalidInputError(/^Input 'load' cannot load a multi-platform image/),
    );
  });
});
