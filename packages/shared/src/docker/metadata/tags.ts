import semver from 'semver';
import { invalidInput } from '../../action/action-error.ts';
import { isValidTag } from '../image-reference.ts';
import { globalScope, refName, resolveGitContext, type GitContext, type ResolvedContext } from './context.ts';
import { EXPRESSION_FIX, isRawPattern, render, type Scope } from './expressions.ts';
import type { Flavor } from './flavor.ts';
import { parsePep440 } from './pep440.ts';
import type { TagRule, VersionMatch } from './tag.ts';

// The computation of the version and the tags from the rules and the flavor,
// with metadata-action's semantics (priorities, sanitising, `latest`).

export interface ComputedTags {
  /** The main version: the first tag by priority, '' when no rule produced one. */
  version: string;
  /** Tags without image names, main version first, `latest` last. */
  tags: string[];
  /** Rules that were skipped for a reason the user may want to see (a tag that is not semver, a pattern that does not match). */
  warnings: string[];
}

const MAX_TAG_LENGTH = 128;

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

/** The version text of a semver or pep440 rule: its value or the Git tag, narrowed by `match=`. */
function versionText(
  rule: TagRule & { value: string; match?: VersionMatch },
  tag: string,
  warnings: string[],
  renderIn: (text: string) => string,
): string {
  let raw = rule.value !== '' ? renderIn(rule.value) : tag;
  if (rule.match) {
    const found = raw.match(rule.match.pattern);
    const part = found?.[rule.match.group];
    // As metadata-action: without a match the whole text is tried as the version.
    if (part === undefined)
      warnings.push(`match=${rule.match.pattern.source} does not match ${raw} in '${rule.source}'; ${raw} is used.`);
    else raw = part;
  }
  return raw.replace(/\//g, '-');
}

function produce(
  rule: TagRule,
  context: ResolvedContext,
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
      const raw = versionText(rule, tag ?? '', warnings, renderIn);
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
      const raw = versionText(rule, tag ?? '', warnings, renderIn);
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
