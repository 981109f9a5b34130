import { formatDate, MOMENT_DEFAULT_FORMAT } from './date-format.ts';

// The `{{name 'arg' key='value'}}` expressions metadata-action renders with
// Handlebars. Hand-written: the grammar used in tag attributes is this small,
// and Handlebars would also HTML-escape values and silently render unknown
// names as empty, where a typo here is reported.

/** Names every attribute may use; their values come from the run's context. */
export const GLOBAL_NAMES = [
  'branch',
  'tag',
  'sha',
  'base_ref',
  'is_default_branch',
  'is_not_default_branch',
  'date',
  'commit_date',
];
/** Names `pattern` of type=semver and type=pep440 may use besides. */
export const VERSION_NAMES = ['version', 'major', 'minor', 'patch', 'raw'];
const DATE_NAMES = ['date', 'commit_date'];

export const EXPRESSION_FIX = `use {{${GLOBAL_NAMES.filter((n) => !DATE_NAMES.includes(n)).join('}}, {{')}}}, {{date 'YYYYMMDD'}} or {{commit_date 'YYYYMMDD'}}`;

interface Argument {
  value: string;
  /** A bare word: Handlebars reads it as a variable, not as text. */
  quoted: boolean;
}

export type Segment = string | { name: string; args: Argument[]; hash: Record<string, string>; body: string };

export function parseTemplate(text: string): Segment[] {
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
  const token =
    /\s*(?:([A-Za-z_]\w*)\s*=\s*(?:'([^']*)'|"([^"]*)")|'([^']*)'|"([^"]*)"|([A-Za-z_]\w*)(?![^\s}])|([^\s'"=]+))/y;
  const words: string[] = [];
  const args: Argument[] = [];
  const hash: Record<string, string> = {};
  const unreadable = () => new Error(`the expression {{${body}}} that cannot be read`);
  let at = 0;
  while (body.slice(at).trim()) {
    token.lastIndex = at;
    const match = token.exec(body);
    if (!match) throw unreadable();
    at = token.lastIndex;
    if (match[1] !== undefined) hash[match[1]] = match[2] ?? match[3] ?? '';
    else if (match[6] !== undefined || match[7] !== undefined) {
      const word = match[6] ?? match[7]!;
      if (words.length === 0 && match[6] !== undefined) words.push(word);
      else args.push({ value: word, quoted: false });
    } else args.push({ value: match[4] ?? match[5] ?? '', quoted: true });
  }
  const [name] = words;
  // Only the date helpers take a bare word (metadata-action then ignores it); elsewhere it is a typo.
  if (!name || (!DATE_NAMES.includes(name) && args.some((arg) => !arg.quoted))) throw unreadable();
  return { name, args, hash, body };
}

/**
 * What is wrong with the expressions in text when only `names` may be used;
 * undefined when nothing is. What metadata-action accepts with another
 * meaning than the user may think (an unquoted date format) goes to `warnings`.
 */
export function expressionProblem(text: string, names: string[], warnings: string[] = []): string | undefined {
  try {
    for (const segment of parseTemplate(text)) {
      if (typeof segment === 'string') continue;
      const { name, args, hash } = segment;
      const shown = `{{${name}${args.map((a) => (a.quoted ? ` '${a.value}'` : ` ${a.value}`)).join('')}}}`;
      if (!names.includes(name)) return `an unknown expression ${shown}`;
      if (DATE_NAMES.includes(name)) {
        if (args.length !== 1) return `${shown} without one format, e.g. {{${name} 'YYYYMMDD'}}`;
        const extra = Object.keys(hash).find((key) => key !== 'tz');
        if (extra) return `${shown} with an unknown attribute ${extra}= (only tz= is known)`;
        const arg = args[0]!;
        if (!arg.quoted) {
          const note = `${shown} has its format without quotes, which metadata-action ignores: it renders as ${MOMENT_DEFAULT_FORMAT.replace('[T]', 'T')} (e.g. 2020-01-10T00:30:00Z); write {{${name} '${arg.value}'}} for that format.`;
          if (!warnings.includes(note)) warnings.push(note);
        }
        formatDate(new Date(0), arg.quoted ? arg.value : MOMENT_DEFAULT_FORMAT, hash.tz ?? 'UTC');
      } else if (args.length > 0 || Object.keys(hash).length > 0) {
        return `${shown}, which takes no arguments`;
      }
    }
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** The values an expression renders to. */
export interface Scope {
  values: Record<string, string>;
  now: Date;
  commitDate: Date;
}

export function render(text: string, scope: Scope): string {
  return parseTemplate(text)
    .map((segment) => {
      if (typeof segment === 'string') return segment;
      const { name, args, hash } = segment;
      if (DATE_NAMES.includes(name)) {
        const arg = args[0];
        const format = arg?.quoted ? arg.value : MOMENT_DEFAULT_FORMAT;
        return formatDate(name === 'date' ? scope.now : scope.commitDate, format, hash.tz ?? 'UTC');
      }
      const value = scope.values[name];
      if (value === undefined) throw new Error(`unknown expression {{${name}}}`);
      return value;
    })
    .join('');
}

/** Whether a pattern is exactly `{{raw}}`: a prerelease then keeps the raw tag. */
export function isRawPattern(pattern: string): boolean {
  const segments = parseTemplate(pattern);
  const only = segments[0];
  return segments.length === 1 && typeof only === 'object' && only.name === 'raw';
}

/** Whether any of the texts uses {{commit_date}}: only then is the commit's date looked up. */
export function usesCommitDate(...texts: string[]): boolean {
  return texts.some((text) => /\{\{\s*commit_date\b/.test(text));
}
