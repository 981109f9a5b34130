// The line syntax metadata-action's list inputs share: one entry a line,
// blank lines and `#` comments skipped, CSV attributes `key=value`.

export interface InputLine {
  line: string;
  /** 1-based, in the input as written. */
  number: number;
}

/** The lines of a list input, trimmed; blank lines and `#` comments skipped. */
export function inputLines(text: string): InputLine[] {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ line: raw.trim(), number: index + 1 }))
    .filter(({ line }) => line && !line.startsWith('#'));
}

/** `key=value` split at the first `=`, key lower-cased, both trimmed; undefined without `=`. */
export function splitAttribute(field: string): [string, string] | undefined {
  const at = field.indexOf('=');
  if (at < 0) return undefined;
  return [field.slice(0, at).trim().toLowerCase(), field.slice(at + 1).trim()];
}

/**
 * The comma-separated fields of one line; a field in double quotes may hold
 * commas, and `""` inside it is a quote. Hand-written because csv-parse, which
 * metadata-action uses, is not a dependency and one line needs only this much.
 */
export function csvFields(line: string, fail: (problem: string, fix: string) => Error): string[] {
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

/**
 * `KEY=VALUE` lines (labels, annotations) as metadata-action reads them: the
 * value is everything after the first `=`; a line without `=` is skipped, as
 * metadata-action skips it, with a warning naming its line (not its text,
 * which may hold a value pasted by mistake).
 */
export function keyValueLines(
  name: string,
  text: string,
  warnings: string[],
): { key: string; value: string; number: number }[] {
  const pairs: { key: string; value: string; number: number }[] = [];
  for (const { line, number } of inputLines(text)) {
    const at = line.indexOf('=');
    const key = at > 0 ? line.slice(0, at).trim() : '';
    if (!key) {
      warnings.push(`Input '${name}' line ${number} is not KEY=VALUE and is skipped, as metadata-action skips it.`);
      continue;
    }
    pairs.push({ key, value: line.slice(at + 1), number });
  }
  return pairs;
}
