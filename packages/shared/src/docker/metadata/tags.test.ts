import assert from 'node:assert/strict';
import { expect, test } from 'vitest';
import { invalidInputError } from '../../../../../test/assertions.ts';
import type { GitContext } from './context.ts';
import { parseFlavor } from './flavor.ts';
import { parseTagRules } from './tag.ts';
import { computeTags, sanitizeTag } from './tags.ts';
import { pullRequest, push, schedule, tagsFor, workflowDispatch } from './test-events.ts';

// The computation of tags: expected tags come from docker/metadata-action's
// README tables and its test suite, which also run at 2020-01-10T00:30:00Z.

test('the default rules tag each event as metadata-action does', () => {
  const cases: [string, GitContext, string[]][] = [
    ['push to the default branch', push('refs/heads/master'), ['master']],
    ['push to a branch with a slash', push('refs/heads/releases/v1'), ['releases-v1']],
    ['workflow_dispatch', workflowDispatch(), ['main']],
    ['tag v1.2.3', push('refs/tags/v1.2.3'), ['v1.2.3', 'latest']],
    ['tag v1.2.3-rc.1', push('refs/tags/v1.2.3-rc.1'), ['v1.2.3-rc.1', 'latest']],
    ['tag v2.0.8-beta.67', push('refs/tags/v2.0.8-beta.67'), ['v2.0.8-beta.67', 'latest']],
    ['tag that is not semver', push('refs/tags/simple-tag'), ['simple-tag', 'latest']],
    ['pull_request', pullRequest(), ['pr-2']],
    ['pull_request_target', pullRequest('pull_request_target'), ['pr-2']],
    ['schedule', schedule(), ['nightly', 'master']],
  ];
  for (const [name, context, expected] of cases) {
    for (const tags of ['', '\n  # nothing but a comment\n']) {
      const result = tagsFor(tags, context);
      assert.deepEqual(result.tags, expected, name);
      assert.equal(result.version, expected[0], name);
    }
  }
  assert.deepEqual(
    parseTagRules('').map((rule) => rule.source),
    ['type=schedule', 'type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'],
  );
});

test("the README's semver example across events", () => {
  const tags = [
    'type=ref,event=branch',
    'type=ref,event=pr',
    'type=semver,pattern={{version}}',
    'type=semver,pattern={{major}}.{{minor}}',
  ].join('\n');
  const cases: [GitContext, string[]][] = [
    [pullRequest(), ['pr-2']],
    [push('refs/heads/master'), ['master']],
    [push('refs/heads/releases/v1'), ['releases-v1']],
    [push('refs/tags/v1.2.3'), ['1.2.3', '1.2', 'latest']],
    // A prerelease makes only its full version, and no latest.
    [push('refs/tags/v2.0.8-beta.67'), ['2.0.8-beta.67']],
    [push('refs/tags/v1.2.3-rc.1'), ['1.2.3-rc.1']],
    [workflowDispatch(), ['main']],
    [schedule(), ['master']],
  ];
  for (const [context, expected] of cases) {
    assert.deepEqual(tagsFor(tags, context).tags, expected, context.ref);
  }

  const notSemver = tagsFor(tags, push('refs/tags/simple-tag'));
  assert.deepEqual(notSemver, {
    version: '',
    tags: [],
    warnings: [
      "simple-tag is not a valid semver version (https://semver.org), so 'type=semver,pattern={{version}}' makes no tag.",
      "simple-tag is not a valid semver version (https://semver.org), so 'type=semver,pattern={{major}}.{{minor}}' makes no tag.",
    ],
  });
});

test('type=semver patterns render as the README table says', () => {
  const cases: [string, string, string][] = [
    ['v1.2.3', '{{raw}}', 'v1.2.3'],
    ['v1.2.3', '{{version}}', '1.2.3'],
    ['v1.2.3', '{{major}}.{{minor}}', '1.2'],
    ['v1.2.3', 'v{{major}}', 'v1'],
    ['v1.2.3', '{{minor}}', '2'],
    ['v1.2.3', '{{patch}}', '3'],
    ['v2.0.8-beta.67', '{{raw}}', 'v2.0.8-beta.67'],
    ['v2.0.8-beta.67', '{{version}}', '2.0.8-beta.67'],
    ['v2.0.8-beta.67', '{{major}}.{{minor}}', '2.0.8-beta.67'],
    ['v2.0.8-beta.67', 'v{{major}}', '2.0.8-beta.67'],
    // `+` is not a tag character.
    ['v9.5.7-alpha.2+fork.3.1.8', '{{raw}}', 'v9.5.7-alpha.2-fork.3.1.8'],
  ];
  for (const [tag, pattern, expected] of cases) {
    const result = tagsFor(`type=semver,pattern=${pattern}`, push(`refs/tags/${tag}`));
    assert.equal(result.version, expected, `${tag} ${pattern}`);
  }

  // A value instead of the Git tag, on any event, expressions included.
  assert.deepEqual(tagsFor('type=semver,pattern={{version}},value=v1.0.0', push('refs/heads/master')).tags, [
    '1.0.0',
    'latest',
  ]);
  const fromBranch = push('refs/heads/2.1.0');
  assert.deepEqual(tagsFor('type=semver,pattern={{major}}.{{minor}},value={{branch}}', fromBranch).tags, [
    '2.1',
    'latest',
  ]);
  // Without a value, branches make no semver tag.
  assert.deepEqual(tagsFor('type=semver,pattern={{version}}', fromBranch).tags, []);
});

test('type=pep440 patterns render as the README table says', () => {
  const cases: [string, string, string][] = [
    ['1.2.3', '{{raw}}', '1.2.3'],
    ['1.2.3', '{{version}}', '1.2.3'],
    ['v1.2.3', '{{version}}', '1.2.3'],
    ['1.2.3', '{{major}}.{{minor}}', '1.2'],
    ['1.2.3', 'v{{major}}', 'v1'],
    ['v1.2.3rc2', '{{raw}}', 'v1.2.3rc2'],
    ['1.2.3rc2', '{{version}}', '1.2.3rc2'],
    ['1.2.3rc2', '{{major}}.{{minor}}', '1.2.3rc2'],
    ['1.2.3post1', '{{major}}.{{minor}}', '1.2.3.post1'],
    ['1.2.3beta2', '{{major}}.{{minor}}', '1.2.3b2'],
    ['1.0dev4', '{{major}}.{{minor}}', '1.0.dev4'],
    ['1.2', '{{major}}.{{minor}}.{{patch}}', '1.2.0'],
  ];
  for (const [tag, pattern, expected] of cases) {
    const result = tagsFor(`type=pep440,pattern=${pattern}`, push(`refs/tags/${tag}`));
    assert.equal(result.version, expected, `${tag} ${pattern}`);
  }
  // metadata-action's own test: tag 1.2 with both patterns.
  const both = 'type=pep440,pattern={{version}}\ntype=pep440,pattern={{major}}.{{minor}}';
  assert.deepEqual(tagsFor(both, push('refs/tags/1.2')).tags, ['1.2', 'latest']);
  assert.deepEqual(tagsFor(both, push('refs/tags/1.2.3rc2')).tags, ['1.2.3rc2']);
  assert.deepEqual(tagsFor(both, push('refs/tags/simple-tag')).warnings.length, 2);
});

test('type=match takes a group of a regular expression, as the README table says', () => {
  const cases: [string, string, number, string][] = [
    ['v1.2.3', '\\d.\\d.\\d', 0, '1.2.3'],
    ['v2.0.8-beta.67', 'v(.*)', 1, '2.0.8-beta.67'],
    ['v2.0.8-beta.67', 'v(\\d.\\d)', 1, '2.0'],
    ['20200110-RC2', '\\d+', 0, '20200110'],
    ['p1/v1.2.3', 'p1/v(\\d.\\d.\\d)', 1, '1.2.3'],
    ['V3.4', '/v(\\d+)/i', 1, '3'],
  ];
  for (const [tag, pattern, group, expected] of cases) {
    const result = tagsFor(`type=match,pattern=${pattern},group=${group}`, push(`refs/tags/${tag}`));
    // A match on a tag is a release: latest follows.
    assert.deepEqual(result.tags, [expected, 'latest'], `${tag} ${pattern}`);
  }

  // A comma in the pattern needs the attribute quoted, CSV style.
  assert.equal(tagsFor('type=match,"pattern=v(\\d{1,3})",group=1', push('refs/tags/v12.0')).version, '12');
  assert.equal(tagsFor('type=match,pattern=\\d+,value=build-{{sha}}', push('refs/heads/master')).version, '6113728');
  assert.deepEqual(tagsFor('type=match,pattern=v(.*),group=1', push('refs/heads/master')).tags, []);

  const noMatch = tagsFor('type=match,pattern=^v(\\d+)$,group=1', push('refs/tags/simple-tag'));
  assert.deepEqual(noMatch.tags, []);
  assert.match(noMatch.warnings[0] ?? '', /does not match simple-tag/);
  const noGroup = tagsFor('type=match,pattern=v\\d,group=2', push('refs/tags/v1'));
  assert.deepEqual(noGroup.tags, []);
  assert.match(noGroup.warnings[0] ?? '', /^Group 2 does not exist/);
});

test('type=edge tags the default branch, or the branch it names', () => {
  assert.deepEqual(tagsFor('type=edge', push('refs/heads/master')).tags, ['edge']);
  assert.deepEqual(tagsFor('type=edge', push('refs/heads/feature')).tags, []);
  assert.deepEqual(tagsFor('type=edge', push('refs/tags/v1.2.3')).tags, []);
  assert.deepEqual(tagsFor('type=edge,branch=develop', push('refs/heads/develop')).tags, ['edge']);
  assert.deepEqual(tagsFor('type=edge,branch=develop', push('refs/heads/master')).tags, []);
  // The context's default branch wins over the payload's.
  assert.deepEqual(tagsFor('type=edge', { ...push('refs/heads/trunk'), defaultBranch: 'trunk' }).tags, ['edge']);
  assert.deepEqual(tagsFor('type=edge', workflowDispatch()).tags, ['edge']);
});

test('type=ref tags branches, tags and pull requests by their names', () => {
  const all = 'type=ref,event=branch\ntype=ref,event=tag\ntype=ref,event=pr';
  assert.deepEqual(tagsFor(all, push('refs/heads/my/branch')).tags, ['my-branch']);
  assert.deepEqual(tagsFor(all, push('refs/tags/v1.2.3')).tags, ['v1.2.3', 'latest']);
  assert.deepEqual(tagsFor(all, pullRequest()).tags, ['pr-2']);
  assert.deepEqual(tagsFor('type=ref,event=pr,prefix=pull-', pullRequest()).tags, ['pull-2']);
  assert.deepEqual(tagsFor('type=ref,event=pr,prefix=', pullRequest()).tags, ['2']);
  assert.deepEqual(tagsFor('type=ref,event=branch,suffix=-{{sha}}', push('refs/heads/master')).tags, [
    'master-6113728',
  ]);
});

test('type=raw takes its value with or without the key', () => {
  const result = tagsFor('type=raw,value=foo\ntype=raw,bar\nbaz\ntype=raw,value=', push('refs/heads/master'));
  assert.deepEqual(result.tags, ['foo', 'bar', 'baz']);
  assert.deepEqual(tagsFor('type=raw,value=mytag-{{branch}}-{{sha}}', push('refs/heads/master')).tags, [
    'mytag-master-6113728',
  ]);
  // A quoted value keeps its comma (then sanitised).
  assert.deepEqual(tagsFor('type=raw,"value=a,b"', push('refs/heads/master')).tags, ['a-b']);
});

test('type=sha tags the short or long commit, prefixed sha- unless told otherwise', () => {
  const context = push('refs/heads/master');
  assert.deepEqual(tagsFor('type=sha', context).tags, ['sha-6113728']);
  assert.deepEqual(tagsFor('type=sha,format=long', context).tags, ['sha-6113728f27ae82c7b1a177c8d03f9e96e0adf246']);
  assert.deepEqual(tagsFor('type=sha,prefix=,suffix=-x', context).tags, ['6113728-x']);
  assert.deepEqual(tagsFor('type=sha', { ...context, sha: '' }).tags, []);
  // On pull requests: GITHUB_SHA (the merge commit) by default, the head when asked.
  assert.deepEqual(tagsFor('type=sha', pullRequest()).tags, ['sha-1e9249f']);
  assert.deepEqual(tagsFor('type=sha', { ...pullRequest(), prHeadSha: true }).tags, ['sha-ec26c3e']);
  assert.deepEqual(tagsFor('type=sha', { ...pullRequest('pull_request_target'), prHeadSha: true }).tags, [
    'sha-ec26c3e',
  ]);
  assert.deepEqual(tagsFor('type=sha', { ...context, prHeadSha: true }).tags, ['sha-6113728'], 'not a PR');
});

test('type=schedule tags scheduled runs only, with dates in UTC or a time zone', () => {
  assert.deepEqual(tagsFor('type=schedule', schedule()).tags, ['nightly']);
  assert.deepEqual(tagsFor('type=schedule', push('refs/heads/master')).tags, []);
  const cases: [string, string][] = [
    ["{{date 'YYYYMMDD'}}", '20200110'],
    ["{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}", '20200110-093000'],
    ["{{date 'YYYYMMDD-hhmmss' tz='Asia/Tokyo'}}", '20200110-093000'],
    ["nightly-{{date 'YY.M.D-H.m.s.SSS-A' tz='America/New_York'}}", 'nightly-20.1.9-19.30.0.000-PM'],
    ["{{date 'YYYY-MM-DD[T]HH'}}", '2020-01-10T00'],
    ['{{date "YYYYMMDD"}}', '20200110'],
  ];
  for (const [pattern, expected] of cases) {
    assert.equal(tagsFor(`type=schedule,pattern=${pattern}`, schedule()).version, expected, pattern);
  }
});

test('global expressions render in value, prefix, suffix and enable', () => {
  const render = (value: string, context: GitContext) => tagsFor(`type=raw,value=x,prefix=v${value}`, context).version;
  assert.equal(render('{{branch}}-', push('refs/heads/master')), 'vmaster-x');
  assert.equal(render('{{branch}}-', push('refs/tags/v1.2.3')), 'v-x');
  assert.equal(render('{{tag}}-', push('refs/tags/v1.2.3')), 'vv1.2.3-x');
  assert.equal(render('{{tag}}-', push('refs/heads/master')), 'v-x');
  assert.equal(render('{{sha}}-', push('refs/heads/master')), 'v6113728-x');
  assert.equal(render('{{base_ref}}-', pullRequest()), 'vmaster-x');
  assert.equal(render('{{base_ref}}-', push('refs/heads/master')), 'v-x');
  const tagWithBase = push('refs/tags/v1.2.3');
  tagWithBase.payload.base_ref = 'refs/heads/master';
  assert.equal(render('{{base_ref}}-', tagWithBase), 'vmaster-x');
  assert.equal(render('{{is_default_branch}}-', push('refs/heads/master')), 'vtrue-x');
  assert.equal(render('{{is_default_branch}}-', push('refs/heads/feature')), 'vfalse-x');
  assert.equal(render('{{is_default_branch}}-', push('refs/tags/v1.2.3')), 'vfalse-x');
  assert.equal(render('{{is_default_branch}}-', pullRequest()), 'vfalse-x');
  assert.equal(render("{{date 'YYYY'}}-", push('refs/heads/master')), 'v2020-x');
  const committed = { ...push('refs/heads/master'), commitDate: new Date('2019-12-31T23:00:00Z') };
  assert.equal(render("{{commit_date 'YYYYMMDD'}}-", committed), 'v20191231-x');
  assert.equal(render("{{commit_date 'YYYYMMDD'}}-", push('refs/heads/master')), 'v20200110-x', 'falls back to now');

  // The README's way to tag latest on the default branch only.
  const latestOnDefault = 'type=ref,event=branch\ntype=raw,value=latest,enable={{is_default_branch}}';
  assert.deepEqual(tagsFor(latestOnDefault, push('refs/heads/master')).tags, ['master', 'latest']);
  assert.deepEqual(tagsFor(latestOnDefault, push('refs/heads/feature')).tags, ['feature']);
  assert.deepEqual(tagsFor(latestOnDefault, schedule()).tags, ['master', 'latest']);
});

test('enable=false skips a rule; priority orders the tags and picks the version', () => {
  const context = push('refs/tags/v1.2.3');
  assert.deepEqual(tagsFor('type=ref,event=tag,enable=false\ntype=sha', context).tags, ['sha-6113728']);

  // Default priorities: semver 900 before ref 600 before raw 200 before sha 100, whatever the order written.
  const rules = 'type=sha\ntype=raw,value=a\ntype=raw,value=b\ntype=ref,event=tag\ntype=semver,pattern={{version}}';
  const result = tagsFor(rules, context);
  assert.deepEqual(result.tags, ['1.2.3', 'v1.2.3', 'a', 'b', 'sha-6113728', 'latest']);
  assert.equal(result.version, '1.2.3');

  const raised = tagsFor(`${rules}\ntype=raw,value=first,priority=2000`, context);
  assert.equal(raised.version, 'first');
  // The highest-priority tag decides latest: a raw tag does not make one.
  assert.deepEqual(raised.tags, ['first', '1.2.3', 'v1.2.3', 'a', 'b', 'sha-6113728']);
  assert.equal(tagsFor('type=sha,priority=-5\ntype=raw,value=z,priority=-1', context).version, 'z');
});

test('tags are sanitised, cut at 128 characters and de-duplicated', () => {
  assert.deepEqual(tagsFor('type=ref,event=branch', push('refs/heads/feat/ñ@x!y')).tags, ['feat-x-y']);
  assert.deepEqual(tagsFor('type=raw,value=a b~c', push('refs/heads/master')).tags, ['a-b-c']);
  const long = tagsFor(`type=raw,value=${'v'.repeat(200)}`, push('refs/heads/master')).version;
  assert.equal(long, 'v'.repeat(128));
  // Two rules making the same tag give it once; its first position stays.
  assert.deepEqual(tagsFor('type=raw,value=master\ntype=ref,event=branch\ntype=sha', push('refs/heads/master')).tags, [
    'master',
    'sha-6113728',
  ]);
  assert.equal(sanitizeTag('release/1.2+build'), 'release-1.2-build');
  assert.equal(sanitizeTag('keep_me.1-2'), 'keep_me.1-2');
});

test('a tag that Docker refuses even sanitised is an invalid-input error naming its rule', () => {
  const refusal = (rules: string, flavor = '') => {
    try {
      tagsFor(rules, push('refs/tags/v1.2.3'), flavor);
    } catch (error) {
      return error;
    }
    throw new Error('expected the rules to be refused');
  };
  expect(refusal('type=raw,value=../x y')).toMatchObject({
    reason: 'invalid-input',
    message:
      "Input 'tags' gives the tag '..-x-y', which Docker refuses in line 1: type=raw,value=../x y; a tag starts with a letter, a digit or '_' and has letters, digits, '_', '.' and '-' (at most 128).",
  });
  expect(refusal('type=raw,value=x,prefix={{branch}}-')).toMatchObject({
    message: expect.stringMatching(/^Input 'tags' gives the tag '-x', which Docker refuses in line 1/),
  });
  expect(refusal('type=semver,pattern={{version}}', 'prefix=.,onlatest=true')).toMatchObject({
    message: expect.stringMatching(/^Input 'tags' gives the tag '\.1\.2\.3'/),
  });
});

test('an enable expression that renders to neither true nor false fails when tags are computed', () => {
  const rules = parseTagRules('type=ref,event=branch\ntype=raw,value=x,enable={{branch}}');
  assert.throws(
    () => computeTags(rules, parseFlavor(''), push('refs/heads/master')),
    invalidInputError(
      "Input 'tags' has enable that renders to 'master' in line 2: type=raw,value=x,enable={{branch}}; make enable render to true or false.",
    ),
  );
});
