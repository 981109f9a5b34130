import * as core from '@actions/core';

// The suite's one masking function. A secret is registered once, with
// maskSecret: the runner then masks it in the log, and `redact` masks it in
// every text the runner does not see — the job summary, comments, issues,
// webhooks, artifacts, error messages — in every form it may take there: each
// of its lines, JSON- and URL-escaped, and base64-encoded at each of the three
// byte alignments (so that `base64("user:" + secret)` is caught too).

/** Shorter needles would mask ordinary text: a secret's forms shorter than this are not searched. */
export const MIN_SECRET_LENGTH = 4;

const registered = new Set<string>();
let redactor: ((text: string) => string) | undefined;

/**
 * Registers a secret with the runner's mask — the whole value and each line
 * of it, because the runner masks line by line — and with `redact`. Call it
 * before the value can reach a log, a parser's message or any text that leaves.
 */
export function maskSecret(value: string): void {
  if (!value.trim()) return;
  core.setSecret(value);
  for (const line of value.split(/\r?\n/)) {
    const trimmed = line.trim();
    // A line of a character or two (`}` of a JSON key) would star out every word that holds it.
    if (trimmed.length >= MIN_SECRET_LENGTH && trimmed !== value.trim()) core.setSecret(trimmed);
  }
  if (!registered.has(value)) {
    registered.add(value);
    redactor = undefined;
  }
}

/** Every secret registered in this step, for checks that need the values themselves. */
export function registeredSecrets(): readonly string[] {
  return [...registered];
}

/** Replaces every registered secret (and `extra` ones), in any of its forms, with `***`. */
export function redact(text: string, extra: readonly string[] = []): string {
  if (extra.length) return textMasker([...registered, ...extra], '***')(text);
  redactor ??= textMasker([...registered], '***');
  return redactor(text);
}

/** Values of JSON-like data, redacted: strings anywhere in it. */
export function redactValues<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactValues) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValues(v)])) as T;
  }
  return value;
}

/**
 * The forms a secret takes in a text: itself, each of its lines, JSON/HCL
 * string escaping, URL escaping (`encodeURIComponent`, and RFC 3986's stricter
 * form), and base64. Base64 of a longer text holding the secret (`user:pw`)
 * contains, for one of the three byte alignments, the encoding of the
 * secret's whole 3-byte groups from that alignment: those cores are needles,
 * as are the padded encodings the runner itself masks.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const lines = /[\r\n]/.test(secret) ? secret.split(/\r?\n|\r/).map((l) => l.trim()) : [];
  for (const value of [secret, ...lines]) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    // encodeURIComponent; RFC 3986's stricter form (.NET's EscapeDataString, Go's
    // url.PathEscape); and each with a space as `+` (forms, Go's url.QueryEscape).
    const uri = encodeURIComponent(value);
    const strict = uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    for (const form of [uri, strict]) {
      forms.add(form);
      forms.add(form.replace(/%20/g, '+'));
    }
    const bytes = Buffer.from(value, 'utf8');
    for (let skip = 0; skip < 3 && skip < bytes.length; skip++) {
      const from = bytes.subarray(skip);
      if (from.length >= 3) forms.add(from.toString('base64'));
      // The whole groups; a core of one group (4 characters) would match ordinary base64 by chance.
      const whole = from.subarray(0, from.length - (from.length % 3));
      if (whole.length >= 6) {
        forms.add(whole.toString('base64'));
        forms.add(whole.toString('base64url'));
      }
    }
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/**
 * A function replacing every form of the secrets in a text, longest match
 * first, in one left-to-right scan whatever the number of secrets (a regular
 * expression alternation, or one pass per secret, is quadratic on a large plan
 * text with thousands of secrets).
 */
export function textMasker(secrets: readonly string[], placeholder: string): (text: string) => string {
  const needles = new Set<string>();
  for (const secret of secrets) for (const form of secretForms(secret)) needles.add(form);
  const buckets = new Map<string, string[]>();
  for (const needle of needles) {
    const key = needle.slice(0, MIN_SECRET_LENGTH);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(needle);
    else buckets.set(key, [needle]);
  }
  if (buckets.size === 0) return (text) => text;
  for (const bucket of buckets.values()) bucket.sort((a, b) => b.length - a.length);
  // A cheap first look at two characters skips most positions without a lookup.
  const firstTwo = new Uint8Array(1 << 16);
  for (const key of buckets.keys()) firstTwo[(key.charCodeAt(0) * 31 + key.charCodeAt(1)) & 0xffff] = 1;

  return (text) => {
    let out = '';
    let copiedUpTo = 0;
    let i = 0;
    const last = text.length - MIN_SECRET_LENGTH;
    while (i <= last) {
      let matched = 0;
      if (firstTwo[(text.charCodeAt(i) * 31 + text.charCodeAt(i + 1)) & 0xffff]) {
        const bucket = buckets.get(text.slice(i, i + MIN_SECRET_LENGTH));
        if (bucket) {
          for (const needle of bucket) {
            if (text.startsWith(needle, i)) {
              matched = needle.length;
              break;
            }
          }
        }
      }
      if (matched) {
        out += text.slice(copiedUpTo, i) + placeholder;
        i += matched;
        copiedUpTo = i;
      } else {
        i++;
      }
    }
    return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
  };
}
