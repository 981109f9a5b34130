// Where a secret shows in a text, in the forms it takes when it leaves a step:
// as given, each line of a multi-line value, escaped for JSON (once, and twice
// for JSON held in a JSON string), percent-encoded for a URL (JavaScript's,
// RFC 3986's stricter one, a form's `+` for space), and base64 (standard and
// URL alphabet) at each of the three byte alignments — so that the secret is
// found inside `base64("user:" + secret)` or any longer encoded text. Written
// apart from the product's masking (packages/shared/src/action/mask.ts) on
// purpose: a test that reused it could not see what it misses.

/** A secret: its value, and the parts of it that are secret on their own (lines of a key). */
export interface SecretValue {
  value: string;
  /**
   * Substrings searched as well (each in every form). Default: each line of a
   * multi-line value, trimmed, but PEM armour (`-----BEGIN …-----`) and lines
   * shorter than MIN_PART.
   */
  parts?: readonly string[];
}

/** Shorter parts are not searched: they would match ordinary text. */
export const MIN_PART = 8;
/** A base64 core shorter than this many bytes is not searched (16 characters). */
const MIN_BASE64_BYTES = 12;

export interface Needle {
  /** The form, e.g. `raw`, `json`, `url`, `base64@1` (the byte alignment), `line 3 raw`. */
  form: string;
  text: string;
}

/** The default secret parts of a value: its lines, less armour and short ones. */
export function secretParts(value: string): string[] {
  if (!/[\r\n]/.test(value)) return [];
  return value
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_PART && !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(line));
}

/** Every form of one string. */
function formsOf(value: string): Needle[] {
  const needles: Needle[] = [{ form: 'raw', text: value }];
  const json = JSON.stringify(value).slice(1, -1);
  needles.push({ form: 'json', text: json });
  needles.push({ form: 'json-in-json', text: JSON.stringify(json).slice(1, -1) });
  const url = encodeURIComponent(value);
  needles.push({ form: 'url', text: url });
  needles.push({
    form: 'url-rfc3986',
    text: url.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  });
  needles.push({ form: 'url-form', text: url.replace(/%20/g, '+') });
  needles.push({ form: 'url-lowercase', text: url.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()) });
  const bytes = Buffer.from(value, 'utf8');
  for (let skip = 0; skip < 3; skip++) {
    const from = bytes.subarray(skip);
    // The whole 3-byte groups from this alignment: what any base64 text that
    // holds the secret at a position ≡ -skip (mod 3) contains verbatim.
    const whole = from.subarray(0, from.length - (from.length % 3));
    if (whole.length < MIN_BASE64_BYTES) continue;
    needles.push({ form: `base64@${skip}`, text: whole.toString('base64') });
    needles.push({ form: `base64url@${skip}`, text: whole.toString('base64url') });
  }
  // One form per distinct text, the first name kept.
  const seen = new Set<string>();
  return needles.filter(
    (n) => n.text.length >= Math.min(MIN_PART, value.length) && !seen.has(n.text) && seen.add(n.text),
  );
}

/** Every needle of a secret: its value and each of its parts, in every form. */
export function needlesOf(secret: string | SecretValue): Needle[] {
  const { value, parts = secretParts(value) } = typeof secret === 'string' ? { value: secret } : secret;
  const needles = formsOf(value);
  parts.forEach((part, i) => {
    for (const needle of formsOf(part)) needles.push({ form: `part ${i + 1} ${needle.form}`, text: needle.text });
  });
  return needles;
}

/** The forms of `secret` found in `text`; empty when it does not show. */
export function leaks(text: string, secret: string | SecretValue): string[] {
  if (!text) return [];
  return needlesOf(secret)
    .filter((needle) => text.includes(needle.text))
    .map((needle) => needle.form);
}
