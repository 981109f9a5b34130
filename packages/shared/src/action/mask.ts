import { MIN_NEEDLE_LENGTH, needleReplacer } from './needle-replacer.ts';
import * as core from './runner-commands.ts';

// The suite's one masking function. A secret is registered once, with
// maskSecret: the runner then masks it in the log, and `redact` masks it in
// every text the runner does not see — the job summary, comments, issues,
// webhooks, artifacts, error messages — in every form it may take there: each
// of its lines, JSON- and URL-escaped, and base64-encoded at each of the three
// byte alignments (so that `base64("user:" + secret)` is caught too).

/** Shorter needles would mask ordinary text: a secret's forms shorter than this are not searched. */
export const MIN_SECRET_LENGTH = MIN_NEEDLE_LENGTH;

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
  const forms: string[] = [];
  addSecretForms(secret, forms);
  return [...new Set(forms)];
}

/** Characters no escaping changes (JSON, URL, HCL): a value made of them is its own JSON and URL form. */
const UNESCAPED = /^[A-Za-z0-9_.~-]*$/;
/** A value whose characters are its UTF-8 bytes. */
const ASCII = /^[^\u0080-\uffff]*$/;

/**
 * Pushes the forms of `secretForms(secret)` to `forms`, in the same order of
 * first appearance, without the short ones; a form may be pushed twice.
 */
function addSecretForms(secret: string, forms: string[]): void {
  if (UNESCAPED.test(secret)) {
    // The common case (tokens, passwords, hosts): one form besides base64, and ASCII bytes.
    if (secret.length >= MIN_SECRET_LENGTH) {
      forms.push(secret);
      addAsciiBase64Forms(secret, forms);
    }
    return;
  }
  const lines = /[\r\n]/.test(secret) ? secret.split(/\r?\n|\r/).map((l) => l.trim()) : [];
  const add = (form: string) => {
    if (form.length >= MIN_SECRET_LENGTH) forms.push(form);
  };
  for (const value of [secret, ...lines]) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    // encodeURIComponent; RFC 3986's stricter form (.NET's EscapeDataString, Go's
    // url.PathEscape); and each with a space as `+` (forms, Go's url.QueryEscape).
    const uri = encodeURIComponent(value);
    const strict = uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const escaped = [value, JSON.stringify(value).slice(1, -1), uri, uri.replace(/%20/g, '+')];
    escaped.push(strict, strict.replace(/%20/g, '+'));
    // Most of these coincide (a value without quotes is its own JSON form): each needle once.
    for (const form of new Set(escaped)) add(form);
    if (ASCII.test(value)) {
      addAsciiBase64Forms(value, forms);
      continue;
    }
    const bytes = Buffer.from(value, 'utf8');
    for (let skip = 0; skip < 3 && skip < bytes.length; skip++) {
      const from = bytes.subarray(skip);
      if (from.length >= 3) add(from.toString('base64'));
      // The whole groups; a core of one group (4 characters) would match ordinary base64 by chance.
      const whole = from.subarray(0, from.length - (from.length % 3));
      if (whole.length >= 6) {
        add(whole.toString('base64'));
        add(whole.toString('base64url'));
      }
    }
  }
}

/**
 * The base64 forms of an ASCII value (its characters are its bytes), as the
 * general path makes them with Buffer: per alignment, the padded encoding and
 * the whole groups' core in base64 and base64url. btoa encodes a Latin-1
 * string natively, without a Buffer per form.
 */
function addAsciiBase64Forms(value: string, forms: string[]): void {
  for (let skip = 0; skip < 3 && skip < value.length; skip++) {
    const length = value.length - skip;
    if (length < 3) continue;
    // Every form here is at least 4 characters: 3 bytes encode to 4.
    const padded = btoa(skip === 0 ? value : value.slice(skip));
    forms.push(padded);
    if (length >= 6) {
      const core = length % 3 === 0 ? padded : padded.slice(0, ((length - (length % 3)) / 3) * 4);
      if (core !== padded) forms.push(core);
      if (core.includes('+') || core.includes('/')) forms.push(core.replace(/[+/]/g, (c) => (c === '+' ? '-' : '_')));
    }
  }
}

/**
 * A function replacing every form of the secrets (see secretForms), and each
 * of the `literals` as it is, in a text with `placeholder`, longest first.
 */
export function textMasker(
  secrets: readonly string[],
  placeholder: string,
  literals: readonly string[] = [],
): (text: string) => string {
  const needles = literals.filter((literal) => literal.length >= MIN_SECRET_LENGTH);
  for (const secret of secrets) addSecretForms(secret, needles);
  return needleReplacer(needles, placeholder);
}
