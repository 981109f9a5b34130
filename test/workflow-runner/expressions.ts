import { createHash } from 'node:crypto';
import { globSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { TokenType, type Token } from '@actions/expressions/lexer';
import { truthy } from '@actions/expressions/result';
import { parse as parseYaml } from 'yaml';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { ensureStatusFunction } from '@actions/workflow-parser/model/converter/if-condition';
import type {
  BasicExpressionToken,
  MappingToken,
  SequenceToken,
} from '@actions/workflow-parser/templates/tokens/index';

// `${{ }}` evaluation on GitHub's own expression engine (@actions/expressions:
// lexer, parser, evaluator, its functions and type coercions), and the
// evaluation of whole template tokens (a mapping of `env`, a `strategy`, a
// string with embedded expressions, which the workflow parser turns into
// `format(...)`). The runner adds what GitHub supplies at run time: the
// contexts, the status functions and hashFiles.
//
// Two corrections, where these language-service packages differ from GitHub's
// server (whose scripts would otherwise change): the lexer unescapes only the
// first `''` of a string literal (a string `replace`), and the parser builds
// the `format()` of a multi-line scalar from its raw source — indentation and
// all — where GitHub formats the scalar's value.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a job's status functions answer; `ids` are the job ids a job-level `success('a')` names. */
export interface StatusFunctions {
  success(ids: string[]): boolean;
  failure(ids: string[]): boolean;
  cancelled(): boolean;
}

export interface Scope {
  /** The named contexts available here (`github`, `needs`, `steps`, ...); others are unrecognized, as on GitHub. */
  contexts: Record<string, Json | undefined>;
  status?: StatusFunctions;
  /** The directory `hashFiles()` searches (the workspace); without it hashFiles is unavailable. */
  workspace?: string;
}

// TokenType of @actions/workflow-parser (a const enum there).
const TOKEN = { String: 0, Sequence: 1, Mapping: 2, BasicExpression: 3, InsertExpression: 4, Boolean: 5, Number: 6 };

export function toData(value: Json | undefined): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === 'string') return new data.StringData(value);
  if (typeof value === 'number') return new data.NumberData(value);
  if (typeof value === 'boolean') return new data.BooleanData(value);
  if (Array.isArray(value)) return new data.Array(...value.map(toData));
  return new data.Dictionary(...Object.entries(value).map(([key, item]) => ({ key, value: toData(item) })));
}

export function fromData(value: data.ExpressionData | undefined): Json {
  if (!value) return null;
  switch (value.kind) {
    case data.Kind.String:
      return (value as data.StringData).value;
    case data.Kind.Number:
      return (value as data.NumberData).value;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Array:
      return (value as data.Array).values().map(fromData);
    case data.Kind.Dictionary:
      return Object.fromEntries((value as data.Dictionary).pairs().map(({ key, value: v }) => [key, fromData(v)]));
    default:
      return null;
  }
}

function functionsOf(scope: Scope): Map<string, FunctionDefinition> {
  const functions = new Map<string, FunctionDefinition>();
  const add = (name: string, minArgs: number, maxArgs: number, call: (...args: data.ExpressionData[]) => Json) =>
    functions.set(name.toLowerCase(), { name, minArgs, maxArgs, call: (...args) => toData(call(...args)) });
  const { status } = scope;
  if (status) {
    const ids = (args: data.ExpressionData[]) => args.map((arg) => arg.coerceString());
    add('always', 0, 0, () => true);
    add('success', 0, Number.MAX_SAFE_INTEGER, (...args) => status.success(ids(args)));
    add('failure', 0, Number.MAX_SAFE_INTEGER, (...args) => status.failure(ids(args)));
    add('cancelled', 0, 0, () => status.cancelled());
  }
  const { workspace } = scope;
  if (workspace) {
    add('hashFiles', 1, 255, (...args) =>
      hashFiles(
        workspace,
        args.map((arg) => arg.coerceString()),
      ),
    );
  }
  return functions;
}

/** Evaluates one expression (without `${{ }}`), with the scope's contexts and functions. */
export function evaluateExpression(expression: string, scope: Scope): Json {
  const functions = functionsOf(scope);
  const contexts = Object.entries(scope.contexts).filter((entry): entry is [string, Json] => entry[1] !== undefined);
  const tokens = new Lexer(expression).lex().tokens.map(unescapeString);
  const tree = new Parser(
    tokens,
    contexts.map(([name]) => name),
    [...functions.values()].map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs })),
  ).parse();
  const dictionary = new data.Dictionary(...contexts.map(([key, value]) => ({ key, value: toData(value) })));
  return fromData(new Evaluator(tree, dictionary, functions).evaluate());
}

/** A string literal's value with every `''` unescaped. */
function unescapeString(token: Token): Token {
  if (token.type !== TokenType.STRING) return token;
  return { ...token, value: token.lexeme.slice(1, -1).replaceAll("''", "'") };
}

const OPEN = '${{';

/** `format('text {0} text', expr)` of a string holding `${{ }}`, as GitHub's template reader builds it. */
export function formatExpression(value: string): string {
  const format: string[] = [];
  const args: string[] = [];
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf(OPEN, i);
    if (start < 0) {
      format.push(escapeFormat(value.slice(i)));
      break;
    }
    format.push(escapeFormat(value.slice(i, start)));
    let inString = false;
    let end = -1;
    for (let j = start + OPEN.length; j < value.length; j++) {
      if (value[j] === "'") inString = !inString;
      else if (!inString && value[j] === '}' && value[j - 1] === '}') {
        end = j;
        break;
      }
    }
    if (end < 0)
      throw new Error(
        'The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found.',
      );
    format.push(`{${args.length}}`);
    args.push(value.slice(start + OPEN.length, end - 1).trim());
    i = end + 1;
  }
  return `format('${format.join('')}'${args.map((arg) => `, ${arg}`).join('')})`;
}

function escapeFormat(text: string): string {
  return text.replace(/'/g, "''").replace(/\{/g, '{{').replace(/\}/g, '}}');
}

const corrected = new WeakMap<BasicExpressionToken, string>();

/** The expression of a token; for a multi-line scalar with `${{ }}`, rebuilt from the scalar's YAML value. */
function expressionOf(token: BasicExpressionToken): string {
  const multiLine = token.range && token.range.start.line !== token.range.end.line;
  if (!multiLine || !token.originalExpressions || token.source === undefined) return token.expression;
  let expression = corrected.get(token);
  if (expression === undefined) {
    const header = token.blockScalarHeader;
    const value = (parseYaml(`value: ${header ? `${header}\n` : ''}${token.source}`) as { value: unknown }).value;
    expression = typeof value === 'string' ? formatExpression(value) : token.expression;
    corrected.set(token, expression);
  }
  return expression;
}

/**
 * An `if:` condition as GitHub reads it. For a multi-line block scalar
 * (`if: >-` then `${{ … }}` over lines), the parser package builds the
 * condition from the raw, indented text — `format('      {0}\n', …)`, a
 * non-empty string, always true — where GitHub reads the scalar's value:
 * the lines folded into one, one `${{ }}` unwrapped, and `success() && (…)`
 * added when no status function is called.
 */
export function conditionOf(token: BasicExpressionToken): string {
  const multiLine = token.range && token.range.start.line !== token.range.end.line;
  if (!multiLine || token.source === undefined) return token.expression;
  let condition = corrected.get(token);
  if (condition === undefined) {
    const value = token.source
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .join(' ');
    const single = /^\$\{\{([\s\S]*)\}\}$/.exec(value);
    const expression =
      single && !single[1]!.includes('${{')
        ? single[1]!.trim()
        : value.includes(OPEN)
          ? formatExpression(value)
          : value;
    condition = ensureStatusFunction(expression || 'success()', token.definitionInfo);
    corrected.set(token, condition);
  }
  return condition;
}

/** Evaluates a template token: literals as they are, expressions evaluated, mappings and sequences item by item. */
export function evaluateTemplate(token: TemplateToken, scope: Scope): Json {
  switch (token.templateTokenType) {
    case TOKEN.String:
    case TOKEN.Boolean:
    case TOKEN.Number:
      return (token as unknown as { value: string | boolean | number }).value;
    case TOKEN.BasicExpression:
      return evaluateExpression(expressionOf(token as BasicExpressionToken), scope);
    case TOKEN.InsertExpression:
      throw new Error('${{ insert }} is not supported by the workflow runner');
    case TOKEN.Sequence:
      return [...(token as SequenceToken)].map((item) => evaluateTemplate(item, scope));
    case TOKEN.Mapping: {
      const result: Record<string, Json> = {};
      for (const pair of token as MappingToken) {
        result[stringOf(evaluateTemplate(pair.key, scope))] = evaluateTemplate(pair.value, scope);
      }
      return result;
    }
    default:
      return null;
  }
}

/** A value as a string, as GitHub converts one for `env`, `with` and `run`: a mapping or sequence is an error. */
export function stringOf(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'object') throw new Error(`A ${Array.isArray(value) ? 'sequence' : 'mapping'} was not expected`);
  return toData(value).coerceString();
}

/** A mapping token (`env:`, `with:`, `outputs:`) evaluated to strings; undefined token → {}. */
export function evaluateStringMap(token: TemplateToken | undefined, scope: Scope): Record<string, string> {
  if (!token) return {};
  const value = evaluateTemplate(token, scope);
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('A mapping was expected');
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, stringOf(item)]));
}

export function isTruthy(value: Json): boolean {
  return truthy(toData(value));
}

/** An `if:` condition (the parser has already added `success() &&` where no status function is named). */
export function evaluateCondition(expression: string, scope: Scope): boolean {
  return isTruthy(evaluateExpression(expression, scope));
}

/**
 * hashFiles(): the SHA-256 of the SHA-256 digests of the matching files,
 * sorted by path, as the runner computes it; '' when nothing matches.
 * Patterns are relative to the workspace; `!pattern` excludes.
 */
export function hashFiles(workspace: string, patterns: string[]): string {
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const files = globSync(include, { cwd: workspace, exclude })
    .map((file) => path.resolve(workspace, file))
    .filter((file) => statSync(file).isFile())
    .sort();
  if (files.length === 0) return '';
  const result = createHash('sha256');
  for (const file of files) result.update(createHash('sha256').update(readFileSync(file)).digest());
  return result.digest('hex');
}
