import { expect, test } from 'vitest';
import { computeMetadata, type MetadataInputs } from './meta.ts';
import { push, pullRequest, schedule, workflowDispatch } from './test-events.ts';

const inputs = (over: Partial<MetadataInputs>): MetadataInputs => ({
  images: 'user/app\nghcr.io/Codertocat/Hello-World\nregistry.example/off,enable=false',
  tags: '',
  flavor: '',
  labels: '',
  annotations: '',
  ...over,
});

test("references keep the user's spelling of Docker Hub images and skip disabled images", () => {
  const result = computeMetadata(inputs({ tags: 'type=semver,pattern={{version}}' }), push('refs/tags/v1.2.3'));
  expect(result.references).toEqual([
    'user/app:1.2.3',
    'user/app:latest',
    'ghcr.io/codertocat/hello-world:1.2.3',
    'ghcr.io/codertocat/hello-world:latest',
  ]);
  expect(result.images.map((image) => image.name.name)).toEqual([
    'docker.io/user/app',
    'ghcr.io/codertocat/hello-world',
  ]);
});

test('labels lines without = are skipped with a warning, as metadata-action skips them', () => {
  const result = computeMetadata(
    inputs({ labels: 'maintainer=CrazyMax\njust-a-word\n\nvendor=Acme=Corp' }),
    pullRequest(),
  );
  expect(result.labels.maintainer).toBe('CrazyMax');
  expect(result.labels.vendor).toBe('Acme=Corp');
  expect(Object.keys(result.labels)).not.toContain('just-a-word');
  expect(result.warnings).toContain(
    "Input 'labels' line 2 is not KEY=VALUE and is skipped, as metadata-action skips it.",
  );
});

test('annotations are the labels keyed by level, with the annotations input instead of labels', () => {
  const result = computeMetadata(
    inputs({ labels: 'maintainer=label-only', annotations: 'org.opencontainers.image.title=Custom\nnot-a-pair' }),
    push('refs/tags/v1.2.3'),
  );
  expect(result.annotations).toEqual([
    'manifest:org.opencontainers.image.created=2020-01-10T00:30:00.000Z',
    'manifest:org.opencontainers.image.description=',
    'manifest:org.opencontainers.image.licenses=',
    'manifest:org.opencontainers.image.revision=6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    'manifest:org.opencontainers.image.source=https://github.com/Codertocat/Hello-World',
    'manifest:org.opencontainers.image.title=Custom',
    'manifest:org.opencontainers.image.url=https://github.com/Codertocat/Hello-World',
    'manifest:org.opencontainers.image.version=v1.2.3',
  ]);
  expect(result.warnings).toContain(
    "Input 'annotations' line 2 is not KEY=VALUE and is skipped, as metadata-action skips it.",
  );
  const levels = computeMetadata(inputs({}), workflowDispatch(), ['manifest', 'index']).annotations;
  expect(levels.filter((a) => a.includes('.title='))).toEqual([
    'manifest:org.opencontainers.image.title=octo-repo',
    'index:org.opencontainers.image.title=octo-repo',
  ]);
  expect(() => computeMetadata(inputs({ annotations: 'a={{nope}}' }), schedule())).toThrow(
    "Input 'annotations' has an unknown expression {{nope}} in the value of a; use the expressions of `tags`.",
  );
});

test('every image disabled leaves no reference, with a warning saying nothing is pushed', () => {
  const result = computeMetadata(
    inputs({ images: 'name=user/app,enable=false\nname=ghcr.io/org/app,enable=false' }),
    push('refs/tags/v1.2.3'),
  );
  expect(result.images).toEqual([]);
  expect(result.references).toEqual([]);
  expect(result.tags).toEqual(['v1.2.3', 'latest']);
  expect(result.warnings).toContain(
    'Every image of `images` has enable=false: the image is built (or checked) and pushed nowhere.',
  );
});
