import { invalidInput } from '../../action/action-error.ts';
import { EXPRESSION_FIX, expressionProblem, GLOBAL_NAMES, VERSION_NAMES } from './expressions.ts';
import { csvFields, inputLines, splitAttribute } from './input-lines.ts';

// The `tags` input: one rule per line in metadata-action's syntax
// (`type=semver,pattern={{version}}`), checked when read.

export type TagType = 'schedule' | 'semver' | 'pep440' | 'match' | 'edge' | 'ref' | 'raw' | 'sha';
export type RefEvent = 'branch' | 'tag' | 'pr';

export interface TagRuleCommon {
  /** `true` or `false`, or an expression that renders to one, such as {{is_default_branch}}. */
  enable: string;
  /** The rule's own prefix; when undefined the flavor's prefix applies. */
  prefix?: string;
  /** The rule's own suffix; when undefined the flavor's suffix applies. */
  suffix?: string;
  /** Higher first; the first tag produced is the version. */
  priority: number;
  /** Where the rule was written (1-based line of `tags`) and its text, for messages. */
  line: number;
  source: string;
}

/** `match=` of type=semver and type=pep440: the part of the tag (or value) that is the version. */
export interface VersionMatch {
  pattern: RegExp;
  group: number;
}

export type TagRule = TagRuleCommon &
  (
    | { type: 'schedule'; pattern: string }
    | { type: 'semver' | 'pep440'; pattern: string; value: string; match?: VersionMatch }
    | { type: 'match'; pattern: RegExp; group: number; value: string }
    | { type: 'edge'; branch: string }
    | { type: 'ref'; event: RefEvent }
    | { type: 'raw'; value: string }
    | { type: 'sha'; format: 'short' | 'long' }
  );

const TYPES: readonly TagType[] = ['schedule', 'semver', 'pep440', 'match', 'edge', 'ref', 'raw', 'sha'];
const DEFAULT_PRIORITY: Record<TagType, number> = {
  schedule: 1000,
  semver: 900,
  pep440: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100,
};
const COMMON_ATTRIBUTES = ['type', 'enable', 'priority', 'prefix', 'suffix'];
const TYPE_ATTRIBUTES: Record<TagType, string[]> = {
  schedule: ['pattern'],
  semver: ['pattern', 'value', 'match', 'group'],
  pep440: ['pattern', 'value', 'match', 'group'],
  match: ['pattern', 'group', 'value'],
  edge: ['branch'],
  ref: ['event'],
  raw: ['value'],
  sha: ['format'],
};
const DEFAULT_RULES = ['type=schedule', 'type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'];

/**
 * The `tags` input: one rule per line, CSV attributes; blank lines and `#`
 * comments skipped. No rules: metadata-action's defaults. What metadata-action
 * accepts with a meaning the user may not expect goes to `warnings`.
 */
export function parseTagRules(text: string, warnings: string[] = []): TagRule[] {
  const rules = inputLines(text).map(({ line, number }) => parseTagRule(line, number, warnings));
  if (rules.length > 0) return rules;
  return DEFAULT_RULES.map((line, index) => parseTagRule(line, index + 1, warnings));
}

function parseTagRule(line: string, number: number, warnings: string[]): TagRule {
  const fail = (problem: string, fix: string) => invalidInput('tags', `${problem} in line ${number}: ${line}; ${fix}.`);
  const attributes = new Map<string, string>();
  let bare: string | undefined;
  for (const field of csvFields(line, fail)) {
    const entry = splitAttribute(field);
    if (entry) attributes.set(...entry);
    else {
      // A field without `=` is the value, as in metadata-action (`type=raw,foo`, or just `foo`).
      attributes.set('value', field);
      bare = field;
    }
  }

  const typeText = attributes.get('type') ?? 'raw';
  const type = TYPES.find((t) => t === typeText);
  if (!type) throw fail(`has an unknown type '${typeText}'`, `use one of ${TYPES.join(', ')}`);
  const allowed = [...COMMON_ATTRIBUTES, ...TYPE_ATTRIBUTES[type]];
  for (const key of attributes.keys()) {
    if (allowed.includes(key)) continue;
    if (key === 'value' && bare !== undefined) {
      throw fail(`has '${bare}' without a key`, `type=${type} takes ${allowed.slice(1).join('=, ')}=`);
    }
    throw fail(`has an unknown attribute '${key}' for type=${type}`, `use ${allowed.slice(1).join(', ')}`);
  }

  const checked = (key: string, fallback: string, names: string[] = GLOBAL_NAMES): string => {
    const value = attributes.get(key) ?? fallback;
    const problem = expressionProblem(value, names, warnings);
    if (problem) throw fail(`has ${problem} in ${key}`, names === GLOBAL_NAMES ? EXPRESSION_FIX : patternFix(type));
    return value;
  };
  const regex = (key: string, text: string): RegExp => {
    try {
      const literal = /^\/(.+)\/(.*)$/.exec(text);
      return literal ? new RegExp(literal[1]!, literal[2]) : new RegExp(text);
    } catch (error) {
      throw fail(
        `has an invalid regular expression ${key === 'match' ? 'in match ' : ''}'${text}' (${(error as Error).message})`,
        `fix the ${key}, and quote the whole attribute ("${key}=...") when it holds a comma`,
      );
    }
  };
  const group = (fallback: number): number => {
    const groupText = attributes.get('group');
    if (groupText === undefined) return fallback;
    if (!/^\d+$/.test(groupText))
      throw fail(`has group=${groupText}`, 'use the number of a capture group, 0 for the whole match');
    return Number(groupText);
  };

  const enable = checked('enable', 'true');
  if (!enable.includes('{{') && enable !== 'true' && enable !== 'false') {
    throw fail(
      `has enable=${enable}`,
      'use enable=true, enable=false or an expression such as enable={{is_default_branch}}',
    );
  }
  const priorityText = attributes.get('priority');
  if (priorityText !== undefined && !/^-?\d+$/.test(priorityText)) {
    throw fail(`has priority=${priorityText}`, 'use a whole number such as priority=1000 (higher comes first)');
  }
  const common: TagRuleCommon = {
    enable,
    priority: priorityText === undefined ? DEFAULT_PRIORITY[type] : Number(priorityText),
    line: number,
    source: line,
  };
  if (attributes.has('prefix')) common.prefix = checked('prefix', '');
  if (attributes.has('suffix')) common.suffix = checked('suffix', '');

  switch (type) {
    case 'schedule':
      return { ...common, type, pattern: checked('pattern', 'nightly') };
    case 'semver':
    case 'pep440': {
      if (!attributes.has('pattern'))
        throw fail(`has no pattern for type=${type}`, 'add one, e.g. pattern={{version}}');
      const pattern = checked('pattern', '', [...VERSION_NAMES, ...GLOBAL_NAMES]);
      const rule: TagRule = { ...common, type, pattern, value: checked('value', '') };
      const matchText = attributes.get('match');
      if (matchText) {
        const matchPattern = regex('match', matchText);
        // metadata-action takes the first capture group; a pattern without one is taken whole.
        const fallback = new RegExp(`${matchPattern.source}|`).exec('')!.length > 1 ? 1 : 0;
        rule.match = { pattern: matchPattern, group: group(fallback) };
      } else if (attributes.has('group')) {
        throw fail('has group= without match=', 'add match=<regular expression>, e.g. match=v(\\d.\\d)');
      }
      return rule;
    }
    case 'match': {
      const patternText = attributes.get('pattern');
      if (patternText === undefined) throw fail('has no pattern for type=match', 'add one, e.g. pattern=v(.*)');
      return { ...common, type, pattern: regex('pattern', patternText), group: group(0), value: checked('value', '') };
    }
    case 'edge':
      return { ...common, type, branch: attributes.get('branch') ?? '' };
    case 'ref': {
      const eventText = attributes.get('event');
      const event = (['branch', 'tag', 'pr'] as const).find((e) => e === eventText);
      if (!event) {
        const problem = eventText === undefined ? 'has no event for type=ref' : `has event=${eventText}`;
        throw fail(problem, 'use event=branch, event=tag or event=pr');
      }
      if (event === 'pr' && common.prefix === undefined) common.prefix = 'pr-';
      return { ...common, type, event };
    }
    case 'raw':
      if (!attributes.has('value')) throw fail('has no value for type=raw', 'add one, e.g. value=stable');
      return { ...common, type, value: checked('value', '') };
    case 'sha': {
      const format = attributes.get('format') ?? 'short';
      if (format !== 'short' && format !== 'long')
        throw fail(`has format=${format}`, 'use format=short or format=long');
      if (common.prefix === undefined) common.prefix = 'sha-';
      return { ...common, type, format };
    }
  }
}

function patternFix(type: TagType): string {
  return type === 'schedule' ? EXPRESSION_FIX : `use {{${VERSION_NAMES.join('}}, {{')}}} or global expressions`;
}
