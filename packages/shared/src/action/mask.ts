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
  const needles = emptyNeedles();
  addSecretForms(secret, needles);
  const forms = needles.texts.flatMap((text, i) => {
    const tail = needles.tails[i];
    return tail === undefined ? [text] : [text + tail, text];
  });
  return [...new Set(forms)];
}

/**
 * Needles, each with the padding that may follow it when it is the core of a
 * padded base64 form: one needle, extended over its tail where the tail
 * follows (needle-replacer.ts), rather than two.
 */
interface Needles {
  texts: string[];
  tails: (string | undefined)[];
}

const emptyNeedles = (): Needles => ({ texts: [], tails: [] });

function push(needles: Needles, text: string, tail?: string): void {
  needles.texts.push(text);
  needles.tails.push(tail);
}

/** Characters no escaping changes (JSON, URL, HCL): a value made of them is its own JSON and URL form. */
const UNESCAPED = /^[A-Za-z0-9_.~-]*$/;

/**
 * Pushes the forms of `secretForms(secret)` to `needles`, in the same order
 * of first appearance, without the short ones; a form may be pushed twice.
 */
function addSecretForms(secret: string, needles: Needles): void {
  if (UNESCAPED.test(secret)) {
    // The common case (tokens, passwords, hosts): one form besides base64.
    if (secret.length >= MIN_SECRET_LENGTH) {
      push(needles, secret);
      addBase64Forms(secret, needles);
    }
    return;
  }
  const lines = /[\r\n]/.test(secret) ? secret.split(/\r?\n|\r/).map((l) => l.trim()) : [];
  for (const value of [secret, ...lines]) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    // encodeURIComponent; RFC 3986's stricter form (.NET's EscapeDataString, Go's
    // url.PathEscape); and each with a space as `+` (forms, Go's url.QueryEscape).
    const uri = encodeURIComponent(value);
    const strict = uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const escaped = [value, JSON.stringify(value).slice(1, -1), uri, uri.replace(/%20/g, '+')];
    escaped.push(strict, strict.replace(/%20/g, '+'));
    // Most of these coincide (a value without quotes is its own JSON form): each needle once.
    for (const form of new Set(escaped)) if (form.length >= MIN_SECRET_LENGTH) push(needles, form);
    addBase64Forms(value, needles);
  }
}

/**
 * The base64 forms of a value's UTF-8 bytes: per alignment, the padded
 * encoding and the whole groups' core, in base64 and base64url. The padded
 * form is the core and a tail of 4 characters: one needle with its tail.
 * One Buffer of the value serves every alignment, encoded by range.
 */
function addBase64Forms(value: string, needles: Needles): void {
  const bytes = Buffer.from(value, 'utf8');
  for (let skip = 0; skip < 3 && skip < bytes.length; skip++) {
    const length = bytes.length - skip;
    if (length < 3) continue;
    // Every form here is at least 4 characters: 3 bytes encode to 4.
    const padded = bytes.toString('base64', skip);
    // The whole groups; a core of one group (4 characters) would match ordinary base64 by chance.
    if (length < 6) {
      push(needles, padded);
      continue;
    }
    const end = bytes.length - (length % 3);
    const core = end === bytes.length ? padded : padded.slice(0, -4);
    push(needles, core, core === padded ? undefined : padded.slice(-4));
    if (core.includes('+') || core.includes('/')) push(needles, bytes.toString('base64url', skip, end));
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
  const needles = emptyNeedles();
  for (const literal of literals) if (literal.length >= MIN_SECRET_LENGTH) push(needles, literal);
  for (const secret of secrets) addSecretForms(secret, needles);
  return needleReplacer(needles.texts, placeholder, needles.tails);
}
