import { expect, test } from 'vitest';
import { parseFlavor } from './flavor.ts';
import { parseTagRules } from './tag.ts';
import { computeTags } from './tags.ts';
import { push, pullRequest, workflowDispatch } from './test-events.ts';

const tagsFor = (tags: string, context = push('refs/tags/v1.2.3')) =>
  computeTags(parseTagRules(tags), parseFlavor(''), context);

test('match= on type=semver and type=pep440 takes the version out of the tag, as metadata-action does', () => {
  const cases: [string, string, string[]][] = [
    // metadata-action: the first capture group.
    ['refs/tags/app/v1.2.3', 'type=semver,pattern={{version}},match=app/v(.*)', ['1.2.3', 'latest']],
    ['refs/tags/docker-v23.0.1', 'type=semver,pattern={{major}}.{{minor}},match=docker-v(.*)', ['23.0', 'latest']],
    ['refs/tags/v1.2.3', 'type=pep440,pattern={{version}},match=v(\\d.\\d)', ['1.2', 'latest']],
    ['refs/tags/release-2.0rc1', 'type=pep440,pattern={{version}},match=release-(.*)', ['2.0rc1']],
    // group= picks another group; a pattern without a group is taken whole.
    ['refs/tags/x1.2.3-y4.5.6', 'type=semver,pattern={{version}},"match=x(.*)-y(.*)",group=2', ['4.5.6', 'latest']],
    ['refs/tags/build-1.2.3', 'type=semver,pattern={{version}},match=\\d+\\.\\d+\\.\\d+', ['1.2.3', 'latest']],
  ];
  for (const [ref, rule, expected] of cases) expect(tagsFor(rule, push(ref)).tags, rule).toEqual(expected);

  // On a value instead of the Git tag, on any event.
  expect(tagsFor('type=semver,pattern={{version}},value=rel-3.1.0,match=rel-(.*)', workflowDispatch()).tags).toEqual([
    '3.1.0',
    'latest',
  ]);
  // Not a tag and no value: nothing, as without match.
  expect(tagsFor('type=semver,pattern={{version}},match=v(.*)', pullRequest()).tags).toEqual([]);
});

test('a match= that does not match leaves the whole tag, with a warning', () => {
  const matched = tagsFor('type=semver,pattern={{version}},match=^app-(.*)$', push('refs/tags/v1.2.3'));
  expect(matched.tags).toEqual(['1.2.3', 'latest']);
  expect(matched.warnings).toEqual([
    "match=^app-(.*)$ does not match v1.2.3 in 'type=semver,pattern={{version}},match=^app-(.*)$'; v1.2.3 is used.",
  ]);
  const nothing = tagsFor('type=semver,pattern={{version}},match=^app-(.*)$', push('refs/tags/other'));
  expect(nothing.tags).toEqual([]);
  expect(nothing.warnings[1]).toMatch(/^other is not a valid semver version/);
});

test('bad match= and group= are invalid-input errors naming the line', () => {
  expect(() => parseTagRules('type=semver,pattern={{version}},match=v(')).toThrow(
    expect.objectContaining({
      reason: 'invalid-input',
      message: expect.stringMatching(/^Input 'tags' has an invalid regular expression in match 'v\(' \(.*\) in line 1/),
    }),
  );
  expect(() => parseTagRules('type=semver,pattern={{version}},group=1')).toThrow(
    "Input 'tags' has group= without match= in line 1: type=semver,pattern={{version}},group=1; add match=<regular expression>, e.g. match=v(\\d.\\d).",
  );
  expect(() => parseTagRules('type=pep440,pattern={{version}},match=v(.*),group=x')).toThrow(/has group=x in line 1/);
});
