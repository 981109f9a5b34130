import { expect, test } from 'vitest';
import { readMetadataEnvironment } from './environment.ts';
import { computeMetadata } from './meta.ts';
import { pullRequest, push } from './test-events.ts';

const sha = (env: NodeJS.ProcessEnv, context = push('refs/heads/master')) => {
  const settings = readMetadataEnvironment(env);
  const result = computeMetadata(
    { images: 'user/app', tags: 'type=sha\ntype=raw,value=x-{{sha}}', flavor: '', labels: '', annotations: '' },
    { ...context, prHeadSha: settings.prHeadSha, shortShaLength: settings.shortShaLength },
  );
  return [result.tags, result.labels['org.opencontainers.image.revision']];
};

test('DOCKER_METADATA_SHORT_SHA_LENGTH sets the length of type=sha and {{sha}}', () => {
  expect(sha({})).toEqual([['x-6113728', 'sha-6113728'], '6113728f27ae82c7b1a177c8d03f9e96e0adf246']);
  expect(sha({ DOCKER_METADATA_SHORT_SHA_LENGTH: '12' })[0]).toEqual(['x-6113728f27ae', 'sha-6113728f27ae']);
  expect(sha({ DOCKER_METADATA_SHORT_SHA_LENGTH: '64' })[0]).toEqual([
    'x-6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    'sha-6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  ]);
  expect(() => readMetadataEnvironment({ DOCKER_METADATA_SHORT_SHA_LENGTH: 'twelve' })).toThrow(
    expect.objectContaining({
      reason: 'invalid-input',
      message:
        "DOCKER_METADATA_SHORT_SHA_LENGTH is 'twelve', not a number; set it to a whole number of characters, e.g. 12.",
    }),
  );
});

test('DOCKER_METADATA_PR_HEAD_SHA is read whatever its case', () => {
  for (const value of ['true', 'True', 'TRUE']) {
    expect(sha({ DOCKER_METADATA_PR_HEAD_SHA: value }, pullRequest()), value).toEqual([
      ['x-ec26c3e', 'sha-ec26c3e'],
      'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    ]);
  }
  for (const value of ['', 'false', 'no']) {
    expect(sha({ DOCKER_METADATA_PR_HEAD_SHA: value }, pullRequest())[0], value).toEqual(['x-1e9249f', 'sha-1e9249f']);
  }
});

test('DOCKER_METADATA_ANNOTATIONS_LEVELS: manifest by default, a comma-separated list of levels', () => {
  expect(readMetadataEnvironment({}).annotationLevels).toEqual(['manifest']);
  expect(readMetadataEnvironment({ DOCKER_METADATA_ANNOTATIONS_LEVELS: 'manifest, index' }).annotationLevels).toEqual([
    'manifest',
    'index',
  ]);
  expect(() => readMetadataEnvironment({ DOCKER_METADATA_ANNOTATIONS_LEVELS: 'manifest,layer' })).toThrow(
    "DOCKER_METADATA_ANNOTATIONS_LEVELS has 'layer'; use manifest, index, manifest-descriptor or index-descriptor, comma-separated.",
  );
});
