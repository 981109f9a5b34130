import * as core from './runner-commands.ts';

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
    add(value);
    add(JSON.stringify(value).slice(1, -1));
    // encodeURIComponent; RFC 3986's stricter form (.NET's EscapeDataString, Go's
    // url.PathEscape); and each with a space as `+` (forms, Go's url.QueryEscape).
    const uri = encodeURIComponent(value);
    const strict = uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    for (const form of [uri, strict]) {
      add(form);
      add(form.replace(/%20/g, '+'));
    }
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
 * A function replacing every form of the secrets in a text, longest match
 * first, leftmost first, in one left-to-right scan whatever the number of
 * secrets (a regular expression alternation, or one pass per secret, is
 * quadratic on a large plan text with thousands of secrets).
 *
 * When the shortest needle has m characters, every occurrence covers m - q + 1
 * consecutive windows of q characters, so only every (m - q + 1)th window of
 * the text is hashed and looked up in a bitmap of the windows the needles
 * hold there (Wu–Manber). Around a hit, the possible starts are checked
 * against a bitmap of needle prefixes; the starts left, in order, against the
 * needles with the same first characters (hash chains), longest first.
 * Needles of 24 characters or more (base64 and hex tokens) are scanned with
 * 8-character windows, shorter ones with 4-character windows: a plan text's
 * scan hashes a fraction of its positions, and few of those hit.
 */
export function textMasker(secrets: readonly string[], placeholder: string): (text: string) => string {
  const needles: string[] = [];
  for (const secret of secrets) addSecretForms(secret, needles);
  if (needles.length === 0) return (text) => text;

  let shortest = Infinity;
  let longest = 0;
  const prefixBits = filterBits(needles.length);
  const prefixes = new Int32Array(2 ** (prefixBits - 5));
  for (const needle of needles) {
    const p = Math.imul(windowHash(needle, 0), 0x9e3779b1) >>> (32 - prefixBits);
    prefixes[p >>> 5] = prefixes[p >>> 5]! | (1 << (p & 31));
    if (needle.length < shortest) shortest = needle.length;
    if (needle.length > longest) longest = needle.length;
  }
  const tiers = [
    scanTier(needles, shortest, Math.min(SPLIT, longest + 1), MIN_SECRET_LENGTH),
    scanTier(needles, Math.max(SPLIT, shortest), longest + 1, LONG_WINDOW),
  ].filter((tier) => tier !== undefined);
  // Longest keys first: a match in a table of longer needles is longer than any in the next.
  const tables = KEY_LENGTHS.map((key, i) => keyTable(needles, key, KEY_LENGTHS[i - 1] ?? Infinity)).filter(
    (table) => table !== undefined,
  );

  return (text) => {
    // A text of ASCII (a plan's, nearly always) is read as bytes; a shorter one is not worth the copy.
    const ascii = text.length >= 4096 && Buffer.byteLength(text, 'utf8') === text.length;
    const buffer = ascii ? Buffer.from(text, 'latin1') : undefined;
    const bytes = buffer && new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
    let starts = candidateStarts(text, bytes, tiers[0]!, prefixes, prefixBits);
    if (tiers.length > 1) starts = mergeSorted(starts, candidateStarts(text, bytes, tiers[1]!, prefixes, prefixBits));
    const parts: string[] = [];
    let copiedUpTo = 0;
    for (const s of starts) {
      if (s < copiedUpTo) continue;
      const length = longestMatch(text, s, tables);
      if (length === 0) continue;
      parts.push(text.slice(copiedUpTo, s), placeholder);
      copiedUpTo = s + length;
    }
    if (copiedUpTo === 0) return text;
    parts.push(text.slice(copiedUpTo));
    return parts.join('');
  };
}

/** Needles of at least `key` characters (and shorter than the previous table's key), chained by the hash of their first `key`. */
interface KeyTable {
  key: number;
  needles: string[];
  hashes: Int32Array;
  /** The next needle with the same slot, or -1. */
  next: Int32Array;
  /** Slot → the first needle in it, or -1. */
  head: Int32Array;
  mask: number;
}

/** Hash chains keyed by 16, 8 and 4 first characters: few needles share as many first characters. */
const KEY_LENGTHS = [16, 8, MIN_SECRET_LENGTH];

function keyTable(all: readonly string[], key: number, above: number): KeyTable | undefined {
  const kept = all.filter((needle) => needle.length >= key && needle.length < above);
  if (kept.length === 0) return undefined;
  const size = 2 ** Math.ceil(Math.log2(kept.length * 2));
  const table: KeyTable = {
    key,
    needles: kept,
    hashes: new Int32Array(kept.length),
    next: new Int32Array(kept.length),
    head: new Int32Array(size).fill(-1),
    mask: size - 1,
  };
  for (let i = 0; i < kept.length; i++) {
    const h = keyHash(kept[i]!, 0, key);
    const slot = h & table.mask;
    table.hashes[i] = h;
    table.next[i] = table.head[slot]!;
    table.head[slot] = i;
  }
  return table;
}

/** The length of the longest needle at `s`, or 0. */
function longestMatch(text: string, s: number, tables: readonly KeyTable[]): number {
  for (const { key, needles, hashes, next, head, mask } of tables) {
    if (s + key > text.length) continue;
    const h = keyHash(text, s, key);
    let best = 0;
    for (let i = head[h & mask]!; i !== -1; i = next[i]!) {
      if (hashes[i] !== h) continue;
      const needle = needles[i]!;
      if (needle.length > best && s + needle.length <= text.length && text.startsWith(needle, s)) {
        best = needle.length;
      }
    }
    if (best) return best;
  }
  return 0;
}

function keyHash(text: string, at: number, key: number): number {
  if (key === 4) return windowHash(text, at);
  if (key === 8) return longWindowHash(text, at);
  return Math.imul(longWindowHash(text, at), 0xcc9e2d51) ^ longWindowHash(text, at + 8);
}

interface ScanTier {
  /** Characters hashed per window. */
  window: number;
  /** Windows hashed this far apart: each occurrence of a needle of the tier covers `step` windows from its start. */
  step: number;
  bits: number;
  /** Bitmap of the windows the tier's needles hold at offsets 0..step-1. */
  windows: Int32Array;
}

/** The needles with `from` ≤ length < `to`, hashed by windows of `window` characters; undefined if none. */
function scanTier(needles: readonly string[], from: number, to: number, window: number): ScanTier | undefined {
  let shortest = Infinity;
  let count = 0;
  for (const needle of needles) {
    if (needle.length < from || needle.length >= to) continue;
    count++;
    if (needle.length < shortest) shortest = needle.length;
  }
  if (count === 0) return undefined;
  // Hashing fewer windows (a longer step) registers more per needle, so more of the text's windows hit
  // by chance: balanced where step² ≈ bitmap bits / needles. The bitmap stays small enough for the cache.
  const maxStep = Math.min(shortest - window + 1, MAX_STEP);
  const step = Math.max(1, Math.min(maxStep, Math.floor(Math.sqrt(2 ** MAX_FILTER_BITS / count))));
  const bits = filterBits(count * step);
  const windows = new Int32Array(2 ** (bits - 5));
  const shift = 32 - bits;
  for (const needle of needles) {
    if (needle.length < from || needle.length >= to) continue;
    for (let k = 0; k < step; k++) {
      const h = window === LONG_WINDOW ? longWindowHash(needle, k) : windowHash(needle, k);
      const w = Math.imul(h, 0x9e3779b1) >>> shift;
      windows[w >>> 5] = windows[w >>> 5]! | (1 << (w & 31));
    }
  }
  return { window, step, bits, windows };
}

/**
 * The starts (ascending) at which a needle of `tier` may begin: every start
 * one does begin at. `bytes` is the text's bytes when it is ASCII: a window's
 * word is then one 32-bit read rather than four charCodeAt calls.
 */
function candidateStarts(
  text: string,
  bytes: DataView | undefined,
  { window, step, bits, windows }: ScanTier,
  prefixes: Int32Array,
  prefixBits: number,
): number[] {
  const found: number[] = [];
  const last = text.length - window;
  const shift = 32 - bits;
  const prefixShift = 32 - prefixBits;
  // One loop per window size and source, so that the hash is inlined.
  if (bytes && window === LONG_WINDOW) {
    for (let j = step - 1; j <= last; j += step) {
      const h = Math.imul(mix(bytes.getInt32(j, true)), LONG_FACTOR) ^ mix(bytes.getInt32(j + 4, true));
      const w = Math.imul(h, 0x9e3779b1) >>> shift;
      if ((windows[w >>> 5]! & (1 << (w & 31))) === 0) continue;
      for (let s = j - step + 1; s <= j; s++) {
        const p = Math.imul(mix(bytes.getInt32(s, true)), 0x9e3779b1) >>> prefixShift;
        if (prefixes[p >>> 5]! & (1 << (p & 31))) found.push(s);
      }
    }
  } else if (bytes) {
    for (let j = step - 1; j <= last; j += step) {
      const w = Math.imul(mix(bytes.getInt32(j, true)), 0x9e3779b1) >>> shift;
      if ((windows[w >>> 5]! & (1 << (w & 31))) === 0) continue;
      for (let s = j - step + 1; s <= j; s++) {
        const p = Math.imul(mix(bytes.getInt32(s, true)), 0x9e3779b1) >>> prefixShift;
        if (prefixes[p >>> 5]! & (1 << (p & 31))) found.push(s);
      }
    }
  } else if (window === LONG_WINDOW) {
    for (let j = step - 1; j <= last; j += step) {
      const w = Math.imul(longWindowHash(text, j), 0x9e3779b1) >>> shift;
      if ((windows[w >>> 5]! & (1 << (w & 31))) === 0) continue;
      for (let s = j - step + 1; s <= j; s++) {
        const p = Math.imul(windowHash(text, s), 0x9e3779b1) >>> prefixShift;
        if (prefixes[p >>> 5]! & (1 << (p & 31))) found.push(s);
      }
    }
  } else {
    for (let j = step - 1; j <= last; j += step) {
      const w = Math.imul(windowHash(text, j), 0x9e3779b1) >>> shift;
      if ((windows[w >>> 5]! & (1 << (w & 31))) === 0) continue;
      for (let s = j - step + 1; s <= j; s++) {
        const p = Math.imul(windowHash(text, s), 0x9e3779b1) >>> prefixShift;
        if (prefixes[p >>> 5]! & (1 << (p & 31))) found.push(s);
      }
    }
  }
  return found;
}

function mergeSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (out.length === 0 || out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

/**
 * Needles at least this long are found by windows of LONG_WINDOW characters:
 * windows of 4 hex digits would nearly all be in the bitmap of thousands of
 * hex tokens, and a plan text is full of hex.
 */
const SPLIT = 24;
const LONG_WINDOW = 8;
/** Windows hashed at most this far apart: more offsets per needle would fill the bitmap. */
const MAX_STEP = 16;

/** Bitmaps of at most 2^23 bits (1 MiB): larger ones miss the cache on nearly every lookup. */
const MAX_FILTER_BITS = 23;

/** The bits (log2) of a bitmap for `entries`: about 16 bits an entry, between 2^8 and 2^MAX_FILTER_BITS. */
function filterBits(entries: number): number {
  return Math.min(MAX_FILTER_BITS, Math.max(8, Math.ceil(Math.log2(entries * 16))));
}

/**
 * A 32-bit hash of the 4 (MIN_SECRET_LENGTH) characters at `at`: of their
 * codes packed as a little-endian word (for ASCII, the 32-bit read of the
 * text's bytes there), XOR-folded when a code is wider than a byte.
 */
function windowHash(text: string, at: number): number {
  return mix(
    text.charCodeAt(at) ^
      (text.charCodeAt(at + 1) << 8) ^
      (text.charCodeAt(at + 2) << 16) ^
      (text.charCodeAt(at + 3) << 24),
  );
}

/** murmur3's finaliser: every bit of the word moves every bit of the hash. */
function mix(word: number): number {
  let h = Math.imul(word ^ (word >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const LONG_FACTOR = 0x27d4eb2d;

/** A 32-bit hash of the LONG_WINDOW (8) characters at `at`. */
function longWindowHash(text: string, at: number): number {
  return Math.imul(windowHash(text, at), LONG_FACTOR) ^ windowHash(text, at + 4);
}
