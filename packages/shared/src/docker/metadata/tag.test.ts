import assert from 'node:assert/strict';
import { test } from 'vitest';
import { invalidInputError } from '../../../../../test/assertions.ts';
import { parseTagRules } from './tag.ts';

// The `tags` input's syntax: each rule, its attributes and its errors.

test('each bad tags rule is one clear invalid-input error naming its line', () => {
  const cases: [string, string][] = [
    [
      'type=ref,event=branch\ntype=semvar,pattern={{version}}',
      "Input 'tags' has an unknown type 'semvar' in line 2: type=semvar,pattern={{version}}; use one of schedule, semver, pep440, match, edge, ref, raw, sha.",
    ],
    [
      'type=sha,lenght=12',
      "Input 'tags' has an unknown attribute 'lenght' for type=sha in line 1: type=sha,lenght=12; use enable, priority, prefix, suffix, format.",
    ],
    [
      'type=sha,short',
      "Input 'tags' has 'short' without a key in line 1: type=sha,short; type=sha takes enable=, priority=, prefix=, suffix=, format=.",
    ],
    [
      '# comment\n\ntype=raw,value=x,enable=yes',
      "Input 'tags' has enable=yes in line 3: type=raw,value=x,enable=yes; use enable=true, enable=false or an expression such as enable={{is_default_branch}}.",
    ],
    [
      'type=raw,value=x,priority=high',
      "Input 'tags' has priority=high in line 1: type=raw,value=x,priority=high; use a whole number such as priority=1000 (higher comes first).",
    ],
    [
      'type=semver',
      "Input 'tags' has no pattern for type=semver in line 1: type=semver; add one, e.g. pattern={{version}}.",
    ],
    [
      'type=ref',
      "Input 'tags' has no event for type=ref in line 1: type=ref; use event=branch, event=tag or event=pr.",
    ],
    [
      'type=ref,event=push',
      "Input 'tags' has event=push in line 1: type=ref,event=push; use event=branch, event=tag or event=pr.",
    ],
    ['type=raw', "Input 'tags' has no value for type=raw in line 1: type=raw; add one, e.g. value=stable."],
    [
      'type=sha,format=tiny',
      "Input 'tags' has format=tiny in line 1: type=sha,format=tiny; use format=short or format=long.",
    ],
    [
      'type=match,pattern=v(.*),group=one',
      "Input 'tags' has group=one in line 1: type=match,pattern=v(.*),group=one; use the number of a capture group, 0 for the whole match.",
    ],
    ['type=raw,"value=x', `Input 'tags' has a quote that is not closed in line 1: type=raw,"value=x; close it with ".`],
  ];
  for (const [tags, message] of cases) {
    assert.throws(() => parseTagRules(tags), invalidInputError(message), tags);
  }

  assert.throws(
    () => parseTagRules('type=match,pattern=v(\\d+'),
    invalidInputError(
      /^Input 'tags' has an invalid regular expression 'v\(\\d\+' \(.*\) in line 1: type=match,pattern=v\(\\d\+; fix the pattern/,
    ),
  );
  const expressionCases: [string, RegExp][] = [
    [
      'type=raw,value={{brnach}}',
      /has an unknown expression \{\{brnach\}\} in value in line 1: .*; use \{\{branch\}\}/,
    ],
    ['type=raw,value={{branch', /has an expression without closing \}\} in value in line 1/],
    ['type=raw,value=x,prefix={{sha 1}}', /has the expression \{\{sha 1\}\} that cannot be read in prefix/],
    ['type=raw,value={{sha "x"}}', /has \{\{sha 'x'\}\}, which takes no arguments in value/],
    [
      'type=schedule,pattern={{date}}',
      /has \{\{date\}\} without one format, e\.g\. \{\{date 'YYYYMMDD'\}\} in pattern/,
    ],
    ["type=schedule,pattern={{date 'dddd'}}", /has an unsupported date token 'dddd' in pattern/],
    ["type=schedule,pattern={{date 'YYYY' tz='Mars/Base'}}", /has an unknown time zone tz='Mars\/Base' in pattern/],
    ["type=schedule,pattern={{date 'YYYY' zone='UTC'}}", /with an unknown attribute zone= \(only tz= is known\)/],
    ['type=semver,pattern={{build}}', /has an unknown expression \{\{build\}\} in pattern .*; use \{\{version\}\}/],
    ['type=raw,value={{version}}', /has an unknown expression \{\{version\}\} in value/],
  ];
  for (const [tags, message] of expressionCases) {
    assert.throws(() => parseTagRules(tags), invalidInputError(message), tags);
  }
});
