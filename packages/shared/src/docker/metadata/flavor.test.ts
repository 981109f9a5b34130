import assert from 'node:assert/strict';
import { test } from 'vitest';
import { invalidInputError } from '../../../../../test/assertions.ts';
import { parseFlavor } from './flavor.ts';
import { pullRequest, push, tagsFor } from './test-events.ts';

// The `flavor` input: latest, prefix, suffix and onlatest, as metadata-action reads them.

test('flavor latest=auto|true|false decides the latest tag', () => {
  const rules = 'type=ref,event=branch\ntype=semver,pattern={{version}}';
  assert.deepEqual(tagsFor(rules, push('refs/tags/v1.2.3'), 'latest=auto').tags, ['1.2.3', 'latest']);
  assert.deepEqual(tagsFor(rules, push('refs/tags/v1.2.3'), 'latest=false').tags, ['1.2.3']);
  assert.deepEqual(tagsFor(rules, push('refs/heads/master'), 'latest=true').tags, ['master', 'latest']);
  assert.deepEqual(tagsFor(rules, push('refs/tags/v1.2.3-rc.1'), 'latest=true').tags, ['1.2.3-rc.1', 'latest']);
  // No tag at all: no latest either.
  assert.deepEqual(tagsFor(rules, pullRequest(), 'latest=true').tags, []);
  // A raw latest and the flavor's latest are one tag.
  assert.deepEqual(tagsFor('type=raw,value=latest', push('refs/heads/master'), 'latest=true').tags, ['latest']);
});

test('flavor prefix and suffix apply to every tag without its own, and to latest with onlatest', () => {
  const rules = 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}.{{patch}}';
  const context = push('refs/tags/v1.1.1');
  // metadata-action's test: suffix=-dev,onlatest=true.
  assert.deepEqual(tagsFor(rules, context, 'suffix=-dev,onlatest=true'), {
    version: '1.1.1-dev',
    tags: ['1.1.1-dev', 'latest-dev'],
    warnings: [],
  });
  assert.deepEqual(tagsFor(rules, context, 'suffix=-dev').tags, ['1.1.1-dev', 'latest']);
  assert.deepEqual(tagsFor(rules, context, 'prefix=app-,onlatest=true\nsuffix=-slim').tags, [
    'app-1.1.1-slim',
    'app-latest',
  ]);
  assert.deepEqual(tagsFor(rules, context, 'prefix={{branch}}x-,onlatest=false').tags, ['x-1.1.1', 'latest']);
  // A rule's own prefix, including type=sha's default sha-, wins over the flavor's.
  assert.deepEqual(tagsFor('type=sha\ntype=raw,value=a,prefix=', context, 'prefix=p-,latest=false').tags, [
    'a',
    'sha-6113728',
  ]);
  assert.deepEqual(parseFlavor(''), {
    latest: 'auto',
    prefix: '',
    suffix: '',
    prefixLatest: false,
    suffixLatest: false,
  });
});

test('each bad flavor line is one clear invalid-input error naming its line', () => {
  const cases: [string, string][] = [
    [
      'latest=auto\nlabel=x',
      "Input 'flavor' has an unknown key 'label' in line 2: label=x; use latest, prefix, suffix or onlatest.",
    ],
    [
      'latest=always',
      "Input 'flavor' has latest=always in line 1: latest=always; use latest=auto, latest=true or latest=false.",
    ],
    [
      'prefix',
      "Input 'flavor' has 'prefix' without a key in line 1: prefix; write key=value, e.g. latest=auto or prefix=dev-.",
    ],
    [
      'onlatest=true',
      "Input 'flavor' has onlatest without a prefix or suffix before it in line 1: onlatest=true; write prefix=...,onlatest=true.",
    ],
    [
      'suffix=-x,onlatest=yes',
      "Input 'flavor' has onlatest=yes in line 1: suffix=-x,onlatest=yes; use onlatest=true or false.",
    ],
  ];
  for (const [flavor, message] of cases) {
    assert.throws(() => parseFlavor(flavor), invalidInputError(message), flavor);
  }
  assert.throws(
    () => parseFlavor('prefix={{nope}}-'),
    invalidInputError(/has an unknown expression \{\{nope\}\} in prefix in line 1/),
  );
});
