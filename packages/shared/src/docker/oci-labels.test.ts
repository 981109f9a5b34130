import assert from 'node:assert/strict';
import { test } from 'vitest';
import { invalidInputError } from '../../../../test/assertions.ts';
import { webhookPayload } from '../../../../test/harness/webhooks.ts';
import { parseKeyValues } from '../action/inputs.ts';
import { ociLabels } from './oci-labels.ts';
import type { GitContext } from './metadata/context.ts';

const NOW = new Date('2020-01-10T00:30:00.000Z');

/** A push of v1.2.3 to Codertocat/Hello-World, given the description and MIT licence the README example shows. */
function tagPush(): GitContext {
  const payload = webhookPayload('push');
  const repository = payload.repository as Record<string, unknown>;
  repository.description = 'This your first repo!';
  repository.license = { key: 'mit', name: 'MIT License', spdx_id: 'MIT' };
  return { eventName: 'push', ref: 'refs/tags/v1.2.3', sha: String(payload.after), payload, now: NOW };
}

test('ociLabels sets the labels metadata-action sets, sorted by key', () => {
  const labels = ociLabels(tagPush(), '1.2.3', {});
  assert.deepEqual(Object.entries(labels), [
    ['org.opencontainers.image.created', '2020-01-10T00:30:00.000Z'],
    ['org.opencontainers.image.description', 'This your first repo!'],
    ['org.opencontainers.image.licenses', 'MIT'],
    ['org.opencontainers.image.revision', '6113728f27ae82c7b1a177c8d03f9e96e0adf246'],
    ['org.opencontainers.image.source', 'https://github.com/Codertocat/Hello-World'],
    ['org.opencontainers.image.title', 'Hello-World'],
    ['org.opencontainers.image.url', 'https://github.com/Codertocat/Hello-World'],
    ['org.opencontainers.image.version', '1.2.3'],
  ]);
});

test('ociLabels leaves what the payload lacks empty, as metadata-action does', () => {
  const payload = webhookPayload('push'); // no description, no licence
  const context: GitContext = { eventName: 'push', ref: 'refs/heads/master', sha: '', payload, now: NOW };
  const labels = ociLabels(context, '', {});
  assert.equal(labels['org.opencontainers.image.description'], '');
  assert.equal(labels['org.opencontainers.image.licenses'], '');
  assert.equal(labels['org.opencontainers.image.revision'], '');
  assert.equal(labels['org.opencontainers.image.version'], '');
  assert.equal(labels['org.opencontainers.image.title'], 'Hello-World');
});

test('ociLabels takes the revision of the pull request head when asked', () => {
  const payload = webhookPayload('pull_request', 'opened');
  const context: GitContext = {
    eventName: 'pull_request',
    ref: 'refs/pull/2/merge',
    sha: '1e9249f05bfc090e0688b8fb9c1b347586add504',
    payload,
    now: NOW,
  };
  assert.equal(ociLabels(context, 'pr-2', {})['org.opencontainers.image.revision'], context.sha);
  const head = ociLabels({ ...context, prHeadSha: true }, 'pr-2', {});
  assert.equal(head['org.opencontainers.image.revision'], 'ec26c3e57ca3a959ca5aad62de7213c562f8c821');
});

test('labels from the input win by key and may use the global expressions', () => {
  const overrides = parseKeyValues(
    'labels',
    [
      '# the README example',
      'maintainer=CrazyMax',
      'org.opencontainers.image.title=MyCustomTitle',
      '',
      'org.opencontainers.image.description=Another description',
      'org.opencontainers.image.vendor=MyCompany',
      "org.opencontainers.image.created={{commit_date 'YYYY-MM-DD[T]HH:mm:ss.SSS[Z]'}}",
      'built.from={{tag}}@{{sha}}',
    ].join('\n'),
  );
  const labels = ociLabels({ ...tagPush(), commitDate: new Date('2020-01-09T12:00:00Z') }, '1.2.3', overrides);
  assert.deepEqual(labels, {
    'built.from': 'v1.2.3@6113728',
    maintainer: 'CrazyMax',
    'org.opencontainers.image.created': '2020-01-09T12:00:00.000Z',
    'org.opencontainers.image.description': 'Another description',
    'org.opencontainers.image.licenses': 'MIT',
    'org.opencontainers.image.revision': '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    'org.opencontainers.image.source': 'https://github.com/Codertocat/Hello-World',
    'org.opencontainers.image.title': 'MyCustomTitle',
    'org.opencontainers.image.url': 'https://github.com/Codertocat/Hello-World',
    'org.opencontainers.image.vendor': 'MyCompany',
    'org.opencontainers.image.version': '1.2.3',
  });
  assert.throws(
    () => ociLabels(tagPush(), '1.2.3', { a: '{{nope}}' }),
    invalidInputError(
      "Input 'labels' has an unknown expression {{nope}} in the value of a; use the expressions of `tags`.",
    ),
  );
});
