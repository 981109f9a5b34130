import semver from 'semver';
import { invalidInput } from '../action/action-error.ts';
import { isRecord } from '../util/values.ts';
import { isValidTag } from './image-reference.ts';

// Image tags from the `tags` and `flavor` inputs, with docker/metadata-action's
// syntax and semantics (defaults, priorities, sanitising, `latest`), so that
// users can move their configuration over unchanged. Pure: the caller passes
// the run's context.

export interface GitContext {
  /** GITHUB_EVENT_NAME: push, pull_request, pull_request_target, schedule, workflow_dispatch, ... */
  eventName: string;
  /** GITHUB_REF, e.g. refs/heads/main, refs/tags/v1.2.3, refs/pull/2/merge. */
  ref: string;
  /** GITHUB_SHA: on pull requests the merge commit, as metadata-action uses it by default. */
  sha: string;
  /** The event payload (GITHUB_EVENT_PATH). */
  payload: Record<string, unknown>;
  /** The repository's default branch; payload.repository.default_branch when absent. */
  defaultBranch?: string;
  /** For {{date}} and created labels. */
  now: Date;
  /** For {{commit_date}}; `now` when absent, as metadata-action falls back. */
  commitDate?: Date;
  /** Use the pull request's head commit instead of `sha` on pull request events (DOCKER_METADATA_PR_HEAD_SHA=true). */
  prHeadSha?: boolean;
}

export type TagType = 'schedule' | 'semver' | 'pep440' | 'match' | 'edge' | 'ref' | 'raw' | 'sha';
export type RefEvent = 'branch' | 'tag' | 'pr';

interface TagRuleCommon {
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

export type TagRule = TagRuleCommon &
  (
    | { type: 'schedule'; pattern: string }
    | { type: 'semver' | 'pep440'; pattern: string; value: string }
    | { type: 'match'; pattern: RegExp; group: number; value: string }
    | { type: 'edge'; branch: string }
    | { type: 'ref'; event: RefEvent }
    | { type: 'raw'; value: string }
    | { type: 'sha'; format: 'short' | 'long' }
  );

export interface Flavor {
  latest: 'auto' | 'true' | 'false';
  prefix: string;
  suffix: string;
  prefixLatest: boolean;
  suffixLatest: boolean;
}

export interface ComputedTags {
  /** The main version: the first tag by priority, '' when no rule produced one. */
  version: string;
  /** Tags without image names, main version first, `latest` last. */
  tags: string[];
  /** Rules that were skipped for a reason the user may want to see (a tag that is not semver, a pattern that does not match). */
  warnings: string[];
}

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
  semver: ['pattern', 'value'],
  pep440: ['pattern', 'value'],
  match: ['pattern', 'group', 'value'],
  edge: ['branch'],
  ref: ['event'],
  raw: ['value'],
  sha: ['format'],
};
const DEFAULT_RULES = ['type=schedule', 'type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'];

const GLOBAL_NAMES = ['branch', 'tag', 'sha', 'base_ref', 'is_default_branch', 'date', 'commit_date'];
const VERSION_NAMES = ['version', 'major', 'minor', 'patch', 'raw'];
const SHORT_SHA_LENGTH = 7;
const MAX_TAG_LENGTH = 128;

// ---------------------------------------------------------------- parsing

/** The `tags` input: one rule per line, CSV attributes; blank lines and `#` comments skipped. No rules: metadata-action's defaults. */
export function parseTagRules(text: string): TagRule[] {
  const rules = inputLines(text).map(({ line, number }) => parseTagRule(line, number));
  if (rules.length > 0) return rules;
  return DEFAULT_RULES.map((line, index) => parseTagRule(line, index + 1));
}

/** The `flavor` input: `latest=auto|true|false`, `prefix=...[,onlatest=true]`, `suffix=...[,onlatest=true]`. */
export function parseFlavor(text: string): Flavor {
  const flavor: Flavor = { latest: 'auto', prefix: '', suffix: '', prefixLatest: false, suffixLatest: false };
  for (const { line, number } of inputLines(text)) {
    const fail = (problem: string, fix: string) =>
      invalidInput('flavor', `${problem} in line ${number}: ${line}; ${fix}.`);
    let onLatestFor: 'prefix' | 'suffix' | undefined;
    for (const field of csvFields(line, fail)) {
      const entry = splitAttribute(field);
      if (!entry) throw fail(`has '${field}' without a key`, 'write key=value, e.g. latest=auto or prefix=dev-');
      const [key, value] = entry;
      switch (key) {
        case 'latest':
          if (value !== 'auto' && value !== 'true' && value !== 'false') {
            throw fail(`has latest=${value}`, 'use latest=auto, latest=true or latest=false');
          }
          flavor.latest = value;
          break;
        case 'prefix':
        case 'suffix': {
          const problem = expressionProblem(value, GLOBAL_NAMES);
          if (problem) throw fail(`has ${problem} in ${key}`, EXPRESSION_FIX);
          flavor[key] = value;
          onLatestFor = key;
          break;
        }
        case 'onlatest':
          if (value !== 'true' && value !== 'false') throw fail(`has onlatest=${value}`, 'use onlatest=true or false');
          if (!onLatestFor)
            throw fail('has onlatest without a prefix or suffix before it', 'write prefix=...,onlatest=true');
          flavor[onLatestFor === 'prefix' ? 'prefixLatest' : 'suffixLatest'] = value === 'true';
          break;
        default:
          throw fail(`has an unknown key '${key}'`, 'use latest, prefix, suffix or onlatest');
      }
    }
  }
  return flavor;
}

const EXPRESSION_FIX = `use {{${GLOBAL_NAMES.slice(0, -2).join('}}, {{')}}}, {{date 'YYYYMMDD'}} or {{commit_date 'YYYYMMDD'}}`;

function parseTagRule(line: string, number: number): TagRule {
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
    const problem = expressionProblem(value, names);
    if (problem) throw fail(`has ${problem} in ${key}`, names === GLOBAL_NAMES ? EXPRESSION_FIX : patternFix(type));
    return value;
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
      return { ...common, type, pattern, value: checked('value', '') };
    }
    case 'match': {
      const patternText = attributes.get('pattern');
      if (patternText === undefined) throw fail('has no pattern for type=match', 'add one, e.g. pattern=v(.*)');
      let pattern: RegExp;
      try {
        const literal = /^\/(.+)\/(.*)$/.exec(patternText);
        pattern = literal ? new RegExp(literal[1]!, literal[2]) : new RegExp(patternText);
      } catch (error) {
        throw fail(
          `has an invalid regular expression '${patternText}' (${(error as Error).message})`,
          'fix the pattern, and quote the whole attribute ("pattern=...") when it holds a comma',
        );
      }
      const groupText = attributes.get('group') ?? '0';
      if (!/^\d+$/.test(groupText))
        throw fail(`has group=${groupText}`, 'use the number of a capture group, 0 for the whole match');
      return { ...common, type, pattern, group: Number(groupText), value: checked('value', '') };
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

function inputLines(text: string): { line: string; number: number }[] {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ line: raw.trim(), number: index + 1 }))
    .filter(({ line }) => line && !line.startsWith('#'));
}

/** `key=value` split at the first `=`, key lower-cased, both trimmed; undefined without `=`. */
function splitAttribute(field: string): [string, string] | undefined {
  const at = field.indexOf('=');
  if (at < 0) return undefined;
  return [field.slice(0, at).trim().toLowerCase(), field.slice(at + 1).trim()];
}

/**
 * The comma-separated fields of one line; a field in double quotes may hold
 * commas, and `""` inside it is a quote. Hand-written because csv-parse, which
 * metadata-action uses, is not a dependency and one line needs only this much.
 */
function csvFields(line: string, fail: (problem: string, fix: string) => Error): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char !== '"') field += char;
      else if (line[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"' && field.trim() === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (char === ',') {
      fields.push(field.trim());
      field = '';
      wasQuoted = false;
    } else field += char;
  }
  if (quoted) throw fail('has a quote that is not closed', 'close it with "');
  fields.push(field.trim());
  // Empty fields (a trailing comma) carry nothing.
  return fields.filter((f) => f !== '');
}

// ------------------------------------------------------------ expressions

type Segment = string | { name: string; args: string[]; hash: Record<string, string> };

/**
 * The `{{name 'arg' key='value'}}` expressions metadata-action renders with
 * Handlebars. Hand-written: the grammar used in tag attributes is this small,
 * and Handlebars would also HTML-escape values and silently render unknown
 * names as empty, where a typo here is reported.
 */
function parseTemplate(text: string): Segment[] {
  const segments: Segment[] = [];
  let rest = text;
  while (rest) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      segments.push(rest);
      break;
    }
    if (open > 0) segments.push(rest.slice(0, open));
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`an expression without closing }}`);
    segments.push(parseExpression(rest.slice(open + 2, close)));
    rest = rest.slice(close + 2);
  }
  return segments;
}

function parseExpression(body: string): Segment {
  const token = /\s*(?:([A-Za-z_]\w*)\s*=\s*(?:'([^']*)'|"([^"]*)")|'([^']*)'|"([^"]*)"|([A-Za-z_]\w*))/y;
  const words: string[] = [];
  const args: string[] = [];
  const hash: Record<string, string> = {};
  let at = 0;
  while (body.slice(at).trim()) {
    token.lastIndex = at;
    const match = token.exec(body);
    if (!match) throw new Error(`the expression {{${body}}} that cannot be read`);
    at = token.lastIndex;
    if (match[1] !== undefined) hash[match[1]] = match[2] ?? match[3] ?? '';
    else if (match[6] !== undefined) words.push(match[6]);
    else args.push(match[4] ?? match[5] ?? '');
  }
  const [name, ...more] = words;
  if (!name || more.length > 0) throw new Error(`the expression {{${body}}} that cannot be read`);
  return { name, args, hash };
}

/** What is wrong with the expressions in text when only `names` may be used; undefined when nothing is. */
function expressionProblem(text: string, names: string[]): string | undefined {
  try {
    for (const segment of parseTemplate(text)) {
      if (typeof segment === 'string') continue;
      const { name, args, hash } = segment;
      const shown = `{{${name}${args.map((a) => ` '${a}'`).join('')}}}`;
      if (!names.includes(name)) return `an unknown expression ${shown}`;
      if (name === 'date' || name === 'commit_date') {
        if (args.length !== 1) return `${shown} without one format, e.g. {{${name} 'YYYYMMDD'}}`;
        const extra = Object.keys(hash).find((key) => key !== 'tz');
        if (extra) return `${shown} with an unknown attribute ${extra}= (only tz= is known)`;
        formatDate(new Date(0), args[0]!, hash.tz ?? 'UTC');
      } else if (args.length > 0 || Object.keys(hash).length > 0) {
        return `${shown}, which takes no arguments`;
      }
    }
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** Checks a text for expressions other than metadata-action's global ones; the problem, or undefined. */
export function globalExpressionProblem(text: string): string | undefined {
  return expressionProblem(text, GLOBAL_NAMES);
}

interface Scope {
  values: Record<string, string>;
  now: Date;
  commitDate: Date;
}

function render(text: string, scope: Scope): string {
  return parseTemplate(text)
    .map((segment) => {
      if (typeof segment === 'string') return segment;
      const { name, args, hash } = segment;
      if (name === 'date' || name === 'commit_date') {
        return formatDate(name === 'date' ? scope.now : scope.commitDate, args[0] ?? '', hash.tz ?? 'UTC');
      }
      const value = scope.values[name];
      if (value === undefined) throw new Error(`unknown expression {{${name}}}`);
      return value;
    })
    .join('');
}

/** Renders metadata-action's global expressions ({{branch}}, {{sha}}, {{date 'YYYYMMDD'}}, ...) in text. */
export function renderGlobalExpressions(text: string, context: GitContext): string {
  return render(text, globalScope(resolveGitContext(context)));
}

// Moment's format letters: a run of one of them that is not supported below is
// refused rather than printed as is.
const MOMENT_LETTERS = 'MDdeEwWYygGQHhkmsSaAZXxNo';

/**
 * A date in the moment.js format tokens users put in tags (YYYY YY MM M DD D
 * HH H hh h mm m ss s SSS A a, `[literal]`), in an IANA time zone.
 * Hand-written: moment-timezone is not a dependency and is in maintenance
 * mode; Intl does the time-zone arithmetic.
 */
function formatDate(date: Date, format: string, timeZone: string): string {
  let fields: Record<string, string>;
  try {
    const formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    fields = Object.fromEntries(formatter.formatToParts(date).map((part) => [part.type, part.value]));
  } catch {
    throw new Error(`an unknown time zone tz='${timeZone}'`);
  }
  const hour = Number(fields.hour);
  const tokens: Record<string, string> = {
    YYYY: (fields.year ?? '').padStart(4, '0'),
    YY: (fields.year ?? '').slice(-2),
    MM: fields.month ?? '',
    M: String(Number(fields.month)),
    DD: fields.day ?? '',
    D: String(Number(fields.day)),
    HH: fields.hour ?? '',
    H: String(hour),
    hh: String(hour % 12 || 12).padStart(2, '0'),
    h: String(hour % 12 || 12),
    mm: fields.minute ?? '',
    m: String(Number(fields.minute)),
    ss: fields.second ?? '',
    s: String(Number(fields.second)),
    SSS: String(date.getUTCMilliseconds()).padStart(3, '0'),
    A: hour < 12 ? 'AM' : 'PM',
    a: hour < 12 ? 'am' : 'pm',
  };
  return format.replace(
    /\[([^\]]*)\]|([A-Za-z])\2*/g,
    (run, literal: string | undefined, letter: string | undefined) => {
      if (literal !== undefined) return literal;
      const value = tokens[run];
      if (value !== undefined) return value;
      if (letter && MOMENT_LETTERS.includes(letter)) throw new Error(`an unsupported date token '${run}'`);
      return run;
    },
  );
}

// -------------------------------------------------------------- computing

/**
 * The context as metadata-action sees it: pull_request_target runs on the
 * base branch's ref, so its ref becomes the pull request's; the head commit
 * when asked; the default branch from the payload.
 */
export function resolveGitContext(context: GitContext): GitContext {
  const payload = context.payload;
  const pr = isRecord(payload.pull_request) ? payload.pull_request : undefined;
  const repository = isRecord(payload.repository) ? payload.repository : undefined;
  const isPullRequest = /pull_request/.test(context.eventName);
  let ref = context.ref;
  if (context.eventName === 'pull_request_target' && payload.number !== undefined) {
    ref = `refs/pull/${String(payload.number)}/merge`;
  }
  let sha = context.sha;
  const headSha = pr && isRecord(pr.head) && typeof pr.head.sha === 'string' ? pr.head.sha : undefined;
  if (context.prHeadSha && isPullRequest && headSha) sha = headSha;
  const payloadDefault = typeof repository?.default_branch === 'string' ? repository.default_branch : '';
  return { ...context, ref, sha, defaultBranch: context.defaultBranch || payloadDefault };
}

function refName(ref: string, kind: 'heads' | 'tags'): string | undefined {
  const prefix = `refs/${kind}/`;
  return ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined;
}

function shortSha(sha: string): string {
  return sha.slice(0, SHORT_SHA_LENGTH);
}

function globalScope(context: GitContext): Scope {
  const { ref, payload, eventName } = context;
  const branch = refName(ref, 'heads');
  const tag = refName(ref, 'tags');
  let baseRef = '';
  if (tag !== undefined && typeof payload.base_ref === 'string')
    baseRef = payload.base_ref.replace(/^refs\/heads\//, '');
  else if (ref.startsWith('refs/pull/') && isRecord(payload.pull_request) && isRecord(payload.pull_request.base)) {
    baseRef = String(payload.pull_request.base.ref ?? '');
  }
  // These events always run on the default branch's last commit.
  const onDefaultBranch =
    (branch !== undefined && branch !== '' && branch === context.defaultBranch) ||
    (ref !== '' && /create|discussion|issues|schedule/.test(eventName));
  return {
    values: {
      branch: branch ?? '',
      tag: tag ?? '',
      sha: shortSha(context.sha),
      base_ref: baseRef,
      is_default_branch: String(onDefaultBranch),
    },
    now: context.now,
    commitDate: context.commitDate ?? context.now,
  };
}

/** A tag as Docker accepts it: runs of other characters become `-`, at most 128 characters. */
export function sanitizeTag(tag: string): string {
  return tag.replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, MAX_TAG_LENGTH);
}

/** The tags the rules produce for this run, in priority order, with `latest` as the flavor says. */
export function computeTags(rules: TagRule[], flavor: Flavor, gitContext: GitContext): ComputedTags {
  const context = resolveGitContext(gitContext);
  const scope = globalScope(context);
  const warnings: string[] = [];
  const produced: string[] = [];
  let latest: boolean | undefined;

  const ruleError = (rule: TagRule, problem: string, fix: string) =>
    invalidInput('tags', `${problem} in line ${rule.line}: ${rule.source}; ${fix}.`);
  const renderIn = (rule: TagRule, text: string, extra: Record<string, string> = {}) => {
    try {
      return render(text, { ...scope, values: { ...scope.values, ...extra } });
    } catch (error) {
      throw ruleError(rule, `has ${(error as Error).message}`, EXPRESSION_FIX);
    }
  };
  const affix = (rule: TagRule, value: string) => {
    const prefix = rule.prefix ?? flavor.prefix;
    const suffix = rule.suffix ?? flavor.suffix;
    return `${renderIn(rule, prefix)}${value}${renderIn(rule, suffix)}`;
  };

  const sorted = [...rules].sort((a, b) => b.priority - a.priority);
  for (const rule of sorted) {
    const enabled = renderIn(rule, rule.enable);
    if (enabled !== 'true' && enabled !== 'false') {
      throw ruleError(rule, `has enable that renders to '${enabled}'`, 'make enable render to true or false');
    }
    if (enabled === 'false') continue;
    const result = produce(rule, context, scope, warnings, (text, extra) => renderIn(rule, text, extra));
    if (!result || result.value === '') continue;
    const tag = sanitizeTag(affix(rule, result.value));
    if (tag === '') continue;
    // Sanitizing keeps the characters Docker allows, not their order: a tag may not start with '.' or '-'.
    if (!isValidTag(tag)) {
      throw ruleError(
        rule,
        `gives the tag '${tag}', which Docker refuses`,
        "a tag starts with a letter, a digit or '_' and has letters, digits, '_', '.' and '-' (at most 128)",
      );
    }
    produced.push(tag);
    // The first rule that produces a tag decides `latest`, as in metadata-action.
    latest ??= flavor.latest === 'auto' ? result.latest : flavor.latest === 'true';
  }

  const tags = [...new Set(produced)];
  const version = tags[0] ?? '';
  if (version && latest) {
    const prefix = flavor.prefixLatest ? renderGlobalFlavor(flavor.prefix, scope) : '';
    const suffix = flavor.suffixLatest ? renderGlobalFlavor(flavor.suffix, scope) : '';
    const latestTag = sanitizeTag(`${prefix}latest${suffix}`);
    if (!isValidTag(latestTag)) {
      throw invalidInput(
        'flavor',
        `gives the tag '${latestTag}' for latest, which Docker refuses; start the prefix with a letter, a digit or '_'.`,
      );
    }
    if (!tags.includes(latestTag)) tags.push(latestTag);
  }
  return { version, tags, warnings };
}

function renderGlobalFlavor(text: string, scope: Scope): string {
  try {
    return render(text, scope);
  } catch (error) {
    throw invalidInput('flavor', `has ${(error as Error).message}; ${EXPRESSION_FIX}.`);
  }
}

interface Produced {
  /** Before prefix and suffix. */
  value: string;
  /** Whether `latest=auto` adds `latest` for it. */
  latest: boolean;
}

function produce(
  rule: TagRule,
  context: GitContext,
  scope: Scope,
  warnings: string[],
  renderIn: (text: string, extra?: Record<string, string>) => string,
): Produced | undefined {
  const { ref } = context;
  const tag = refName(ref, 'tags');
  const branch = refName(ref, 'heads');
  switch (rule.type) {
    case 'schedule':
      if (context.eventName !== 'schedule') return undefined;
      return { value: renderIn(rule.pattern), latest: false };
    case 'semver': {
      if (tag === undefined && rule.value === '') return undefined;
      const raw = rule.value !== '' ? renderIn(rule.value) : (tag ?? '').replace(/\//g, '-');
      if (!semver.valid(raw)) {
        warnings.push(`${raw} is not a valid semver version (https://semver.org), so '${rule.source}' makes no tag.`);
        return undefined;
      }
      const parsed = semver.parse(raw, { loose: true })!;
      const vars = {
        raw,
        version: parsed.version,
        major: String(parsed.major),
        minor: String(parsed.minor),
        patch: String(parsed.patch),
      };
      // A prerelease makes only its full version (or the raw tag): it moves too often for `1` or `1.2`.
      if (semver.prerelease(raw)) return { value: isRawPattern(rule.pattern) ? raw : vars.version, latest: false };
      return { value: renderIn(rule.pattern, vars), latest: true };
    }
    case 'pep440': {
      if (tag === undefined && rule.value === '') return undefined;
      const raw = rule.value !== '' ? renderIn(rule.value) : (tag ?? '').replace(/\//g, '-');
      const version = parsePep440(raw);
      if (!version) {
        warnings.push(
          `${raw} does not conform to PEP 440 (https://peps.python.org/pep-0440/), so '${rule.source}' makes no tag.`,
        );
        return undefined;
      }
      if (version.preOrPostOrDev) return { value: isRawPattern(rule.pattern) ? raw : version.normal, latest: false };
      const [major = 0, minor = 0, patch = 0] = version.release;
      const vars = { raw, version: version.normal, major: String(major), minor: String(minor), patch: String(patch) };
      return { value: renderIn(rule.pattern, vars), latest: true };
    }
    case 'match': {
      if (tag === undefined && rule.value === '') return undefined;
      const raw = rule.value !== '' ? renderIn(rule.value) : (tag ?? '');
      const match = raw.match(rule.pattern);
      if (!match) {
        warnings.push(`${rule.pattern.source} does not match ${raw}, so '${rule.source}' makes no tag.`);
        return undefined;
      }
      const group = match[rule.group];
      if (group === undefined) {
        warnings.push(
          `Group ${rule.group} does not exist for ${rule.pattern.source}, so '${rule.source}' makes no tag.`,
        );
        return undefined;
      }
      return { value: group, latest: true };
    }
    case 'edge':
      if (branch === undefined || branch !== (rule.branch || context.defaultBranch)) return undefined;
      return { value: 'edge', latest: false };
    case 'ref':
      if (rule.event === 'branch') return branch === undefined ? undefined : { value: branch, latest: false };
      if (rule.event === 'tag') return tag === undefined ? undefined : { value: tag, latest: true };
      if (!ref.startsWith('refs/pull/')) return undefined;
      return { value: ref.slice('refs/pull/'.length).replace(/\/merge$/, ''), latest: false };
    case 'raw':
      return { value: renderIn(rule.value), latest: false };
    case 'sha':
      if (!context.sha) return undefined;
      return { value: rule.format === 'short' ? scope.values.sha! : context.sha, latest: false };
  }
}

function isRawPattern(pattern: string): boolean {
  const segments = parseTemplate(pattern);
  const only = segments[0];
  return segments.length === 1 && typeof only === 'object' && only.name === 'raw';
}

// ----------------------------------------------------------------- PEP 440

// The version pattern of PEP 440's appendix (as in Python's `packaging`), with
// the leading `v` it allows. Hand-written: no maintained PEP 440 parser is a
// dependency, and tags need only validity, normal form and release numbers.
const PEP440_PATTERN = new RegExp(
  [
    '^\\s*v?',
    '(?:(\\d+)!)?', // epoch
    '(\\d+(?:\\.\\d+)*)', // release
    '(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\\d+)?)?', // pre-release
    '(?:-(\\d+)|[-_.]?(post|rev|r)[-_.]?(\\d+)?)?', // post-release
    '(?:[-_.]?(dev)[-_.]?(\\d+)?)?', // development release
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?', // local version
    '\\s*$',
  ].join(''),
  'i',
);
const PEP440_PRE: Record<string, string> = {
  alpha: 'a',
  a: 'a',
  beta: 'b',
  b: 'b',
  preview: 'rc',
  pre: 'rc',
  c: 'rc',
  rc: 'rc',
};

interface Pep440Version {
  /** The normal form, e.g. `1.2.3rc2`, `1.2.3.post1`, `1.0.dev4`. */
  normal: string;
  release: number[];
  preOrPostOrDev: boolean;
}

function parsePep440(text: string): Pep440Version | undefined {
  const m = PEP440_PATTERN.exec(text);
  if (!m) return undefined;
  const [, epoch, release = '', preLabel, preNumber, postImplicit, postLabel, postNumber, devLabel, devNumber, local] =
    m;
  const number = (digits: string | undefined) => (digits ?? '0').replace(/^0+(?=\d)/, '');
  let normal = epoch && Number(epoch) !== 0 ? `${number(epoch)}!` : '';
  const parts = release.split('.').map(number);
  normal += parts.join('.');
  if (preLabel) normal += `${PEP440_PRE[preLabel.toLowerCase()]}${number(preNumber)}`;
  if (postImplicit !== undefined) normal += `.post${number(postImplicit)}`;
  else if (postLabel) normal += `.post${number(postNumber)}`;
  if (devLabel) normal += `.dev${number(devNumber)}`;
  if (local) normal += `+${local.toLowerCase().replace(/[-_]/g, '.')}`;
  return {
    normal,
    release: parts.map(Number),
    preOrPostOrDev: Boolean(preLabel || postImplicit !== undefined || postLabel || devLabel),
  };
}
