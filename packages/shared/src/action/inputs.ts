import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import * as core from './runner-commands.ts';
import { isAlias, isNode, LineCounter, parseDocument, visit } from 'yaml';
import { invalidInput } from './action-error.ts';
import { parseDuration } from '../util/duration.ts';
import { maskSecret } from './mask.ts';

// The one input parser of the suite. Each reader takes the input's name so
// that every error names the input and says how to fix it. Readers parse the
// text of `INPUT_<NAME>` as the runner sets it; an empty input is unset.

/** The raw value of an input, trimmed; '' when unset. */
export function readInput(name: string): string {
  return core.getInput(name);
}

/** The value of an input as written, spaces and line breaks kept (a separator, a secret). */
export function readUntrimmed(name: string): string {
  return core.getInput(name, { trimWhitespace: false });
}

export function readString(name: string, fallback = ''): string {
  return readInput(name) || fallback;
}

export function readRequired(name: string): string {
  const value = readInput(name);
  if (!value) throw invalidInput(name, 'is required: set it in the `with:` block of this step.');
  return value;
}

/** A secret input: registered with the runner's mask before it is returned. */
export function readSecret(name: string): string {
  const value = readUntrimmed(name);
  maskSecret(value);
  return value.trim() ? value : '';
}

export function readBoolean(name: string, fallback: boolean): boolean {
  return parseBoolean(name, readInput(name), fallback);
}

export function parseBoolean(name: string, text: string, fallback: boolean): boolean {
  if (!text) return fallback;
  if (/^(true|yes|on)$/i.test(text)) return true;
  if (/^(false|no|off)$/i.test(text)) return false;
  throw invalidInput(name, `must be true or false (got '${text}').`);
}

/** A duration in milliseconds: `500ms`, `30s`, `5m`, `1h30m`, `7d`; a bare number is seconds. */
export function readDuration(name: string, fallback: string): number {
  return parseDurationInput(name, readInput(name) || fallback);
}

export function parseDurationInput(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw invalidInput(name, `must be a positive duration such as 500ms, 30s, 5m or 1h (got '${text}').`);
  }
  return ms;
}

export function readInteger(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  return parseInteger(name, readInput(name), fallback, range);
}

export function parseInteger(
  name: string,
  text: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  if (!text) return fallback;
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const hasMin = min !== Number.MIN_SAFE_INTEGER;
    const hasMax = max !== Number.MAX_SAFE_INTEGER;
    const bounds =
      hasMin && hasMax ? ` from ${min} to ${max}` : hasMin ? ` of ${min} or more` : hasMax ? ` of at most ${max}` : '';
    throw invalidInput(name, `must be a whole number${bounds} (got '${text}').`);
  }
  return value;
}

export function readChoice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const text = readInput(name);
  if (!text) return fallback;
  const choice = choices.find((c) => c === text.toLowerCase());
  if (!choice) throw invalidInput(name, `must be one of ${choices.join(', ')} (got '${text}').`);
  return choice;
}

/** One item per line; blank lines and `#` comments are skipped. */
export function readList(name: string): string[] {
  return parseList(readInput(name));
}

export function parseList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/** A YAML (or JSON, which is YAML) document; undefined when unset. */
export function readYaml(name: string): unknown {
  return parseYamlInput(name, readInput(name));
}

export function parseYamlInput(name: string, text: string): unknown {
  if (!text) return undefined;
  // The parser's own messages quote the text, and a value that starts with `*`
  // or `!` (an alias, a tag) ends up in them: inputs hold passwords. Problems
  // are told by kind and position only.
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, logLevel: 'silent', lineCounter: lines });
  const at = (offset: number | undefined) => {
    const { line, col } = lines.linePos(offset ?? 0);
    return `line ${line}, column ${col}`;
  };
  const [error] = doc.errors;
  // The part of a message before a colon names the problem; what follows quotes the text.
  if (error)
    throw invalidInput(name, `is not valid YAML or JSON: ${error.message.split(':')[0]} at ${at(error.pos[0])}`);
  let problem: string | undefined;
  visit(doc, (_, node) => {
    if (isAlias(node)) {
      problem = `${at(node.range?.[0])} starts with \`*\`, which YAML reads as an alias: quote the value ('*…')`;
    } else if (isNode(node) && node.tag && !node.tag.startsWith('tag:yaml.org,2002:')) {
      problem = `${at(node.range?.[0])} starts with \`!\`, which YAML reads as a tag: quote the value ('!…')`;
    }
    return problem ? visit.BREAK : undefined;
  });
  if (problem) throw invalidInput(name, `is not valid here: ${problem}.`);
  return doc.toJS();
}

/** A YAML/JSON mapping of string keys; `{}` when unset. */
export function readMap(name: string): Record<string, unknown> {
  return parseMapInput(name, readInput(name));
}

export function parseMapInput(name: string, text: string): Record<string, unknown> {
  const value = parseYamlInput(name, text);
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput(name, 'must be a mapping of keys to values, e.g. `key: value` on each line.');
  }
  return value as Record<string, unknown>;
}

/**
 * `KEY=VALUE` lines (build args, labels, secrets), as docker's own flags take
 * them: the value is everything after the first `=`, kept verbatim.
 */
export function readKeyValues(name: string): Record<string, string> {
  return parseKeyValues(name, readInput(name));
}

export function parseKeyValues(name: string, text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  parseList(text).forEach((line, index) => {
    const at = line.indexOf('=');
    const key = at > 0 ? line.slice(0, at).trim() : '';
    // The line itself is not quoted: it may hold a secret's value.
    if (!key) throw invalidInput(name, `line ${index + 1} is not KEY=VALUE; write one KEY=VALUE per line`);
    pairs[key] = line.slice(at + 1);
  });
  return pairs;
}

/** A place a path input may point into: the checkout, or the step's temp dir. */
export interface PathRoot {
  dir: string;
  /** For messages: `the repository`, `RUNNER_TEMP`. */
  label: string;
}

/** The checkout (`GITHUB_WORKSPACE`), where path inputs are relative to and must stay. */
export function repositoryRoot(): PathRoot {
  return { dir: process.env.GITHUB_WORKSPACE || process.cwd(), label: 'the repository (GITHUB_WORKSPACE)' };
}

/** The runner's temp dir, where a step may put files for a later one. */
export function runnerTempRoot(): PathRoot {
  return { dir: process.env.RUNNER_TEMP || path.join(repositoryRoot().dir, '..'), label: 'RUNNER_TEMP' };
}

/**
 * A path input, resolved against the first root, that must exist as a
 * `kind` and stay inside one of the roots — symbolic links followed, so that
 * a link in the checkout cannot lead out of it. `../../etc`, `/etc` and a
 * missing path are one clear error naming the input.
 */
export function resolvePathInput(
  name: string,
  text: string,
  kind: 'file' | 'directory',
  roots: readonly PathRoot[] = [repositoryRoot()],
): string {
  const [first] = roots;
  if (!first) throw new Error('resolvePathInput needs a root');
  if (/[\0\r\n]/.test(text)) throw invalidInput(name, 'must be one path on one line.');
  const resolved = path.resolve(first.dir, text);
  const inside = (file: string, dir: string) => {
    const relative = path.relative(dir, file);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  const where = roots.map((r) => r.label).join(' or ');
  if (!roots.some((root) => inside(resolved, path.resolve(root.dir)))) {
    throw invalidInput(name, `is '${text}', which is outside ${where}: give a path inside it.`);
  }
  let real: string;
  try {
    real = realpathSync(resolved);
  } catch {
    throw invalidInput(
      name,
      `is '${text}', which does not exist in ${where}: check the path, or the step that creates it.`,
    );
  }
  if (!roots.some((root) => inside(real, realpathOrSelf(root.dir)))) {
    throw invalidInput(name, `is '${text}', a link that leads outside ${where}: give a path inside it.`);
  }
  const isDirectory = statSync(real).isDirectory();
  if (isDirectory !== (kind === 'directory')) {
    throw invalidInput(name, `is '${text}', which is a ${isDirectory ? 'directory' : 'file'}, not a ${kind}.`);
  }
  return resolved;
}

function realpathOrSelf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/** A path input inside the repository (see resolvePathInput); the fallback when unset. */
export function readPath(name: string, kind: 'file' | 'directory', fallback = '', roots?: readonly PathRoot[]): string {
  const text = readInput(name) || fallback;
  return text ? resolvePathInput(name, text, kind, roots) : '';
}
