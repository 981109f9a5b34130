import { expect, test } from 'vitest';
import { publishOutputs } from '../publish-report.ts';
import type { PublishResult } from '../publish.ts';
import { computeMetadata } from './meta.ts';
import { push } from './test-events.ts';

const metadata = computeMetadata(
  {
    images: 'user/app\nghcr.io/user/app',
    tags: 'type=semver,pattern={{version}}',
    flavor: 'latest=false',
    labels: 'maintainer=me',
    annotations: '',
  },
  push('refs/tags/v1.2.3'),
);
const DIGEST = `sha256:${'a'.repeat(64)}`;
const result: PublishResult = {
  builder: 'classic',
  imageId: `sha256:${'b'.repeat(64)}`,
  digest: DIGEST,
  references: metadata.images.flatMap((image) =>
    metadata.tags.map((tag) => ({
      image: image.name.name,
      tag,
      reference: `${image.name.name}:${tag}`,
      status: 'pushed' as const,
      digest: DIGEST,
      attempts: 1,
    })),
  ),
  createdRepositories: [],
  buildMs: 1000,
};
const report = {
  version: metadata.version,
  labels: metadata.labels,
  result,
  images: metadata.images,
  annotations: metadata.annotations,
};

test("tags and image-refs keep the user's spelling of Docker Hub images", () => {
  const outputs = publishOutputs(report);
  expect(outputs.tags).toBe('user/app:1.2.3\nghcr.io/user/app:1.2.3');
  expect(outputs['image-refs']).toBe(`user/app@${DIGEST}\nghcr.io/user/app@${DIGEST}`);
});

test('labels and annotations outputs, joined by sep-tags, sep-labels and sep-annotations', () => {
  const outputs = publishOutputs(report);
  expect(String(outputs.labels).split('\n')).toContain('maintainer=me');
  expect(String(outputs.labels).split('\n')).toContain('org.opencontainers.image.version=1.2.3');
  expect(String(outputs.annotations).split('\n')).toContain('manifest:org.opencontainers.image.version=1.2.3');
  const separated = publishOutputs({ ...report, separators: { tags: ',', labels: ';', annotations: ' ' } });
  expect(separated.tags).toBe('user/app:1.2.3,ghcr.io/user/app:1.2.3');
  expect(String(separated.labels).split(';')).toHaveLength(9);
  expect(String(separated.annotations).split(' manifest:')).toHaveLength(8);
});

test("json is metadata-action's: tags, labels by key, annotations", () => {
  const json = JSON.parse(publishOutputs(report).json!) as Record<string, unknown>;
  expect(json).toEqual({
    tags: ['user/app:1.2.3', 'ghcr.io/user/app:1.2.3'],
    labels: metadata.labels,
    annotations: metadata.annotations,
  });
  expect(Object.keys(json.labels as object)).toContain('org.opencontainers.image.revision');
});
