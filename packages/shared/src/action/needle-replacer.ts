// Replacing thousands of needles in a text of tens of megabytes: the engine
// under the text masker (mask.ts). Written here because a regular expression
// alternation, or one pass per needle, is quadratic on a large plan text with
// thousands of secrets; an Aho–Corasick automaton (the multi-pattern matchers
// on npm) holds a node per character of every needle, millions for the
// ~150k base64 and escaped forms of a large plan's secrets, built anew each
// run, where this index hashes about a dozen windows per needle.

/**
 * A function replacing every needle in a text with `placeholder`, longest
 * match first, leftmost first, in one left-to-right scan whatever the number
 * of needles.
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
 *
 * Every needle must have at least MIN_NEEDLE_LENGTH characters. `tails[i]`,
 * when given, is what may follow `needles[i]`: where it does, the match takes
 * it too. It is for base64, whose padded form is its core (whole groups of 4
 * characters) and a tail of 4: a needle with a tail must be whole groups of
 * 4 and its tail at most 4 characters, so that with its tail it is never
 * longer than a needle of the next table (keys of 4, 8 and 16 characters).
 */
export function needleReplacer(
  needles: readonly string[],
  placeholder: string,
  tails: readonly (string | undefined)[] = [],
): (text: string) => string {
  if (needles.length === 0) return (text) => text;
  const index = buildIndex(needles, tails);
  return (text) => {
    const bytes = asciiBytes(text);
    const [first, second] = index.tiers;
    let starts = candidateStarts(text, bytes, first!, index);
    if (second) starts = mergeSorted(starts, candidateStarts(text, bytes, second, index));
    const parts: string[] = [];
    let copiedUpTo = 0;
    for (const s of starts) {
      if (s < copiedUpTo) continue;
      const length = longestMatch(text, s, index);
      if (length === 0) continue;
      parts.push(text.slice(copiedUpTo, s), placeholder);
      copiedUpTo = s + length;
    }
    if (copiedUpTo === 0) return text;
    parts.push(text.slice(copiedUpTo));
    return parts.join('');
  };
}

/**
 * The bytes of the last ASCII text scanned, kept for the next one: a fresh
 * buffer the size of a large plan text costs more in page faults than the
 * whole scan (40 ms for 36 MB here, against 4 ms to write into this one).
 */
let scratch: Buffer | undefined;

/**
 * The bytes of `text` when it is ASCII (a plan's, nearly always), so that a
 * window's word is one 32-bit read rather than four charCodeAt calls; a
 * shorter text is not worth the copy.
 */
function asciiBytes(text: string): DataView | undefined {
  if (text.length < 4096 || Buffer.byteLength(text, 'utf8') !== text.length) return undefined;
  if (!scratch || scratch.length < text.length) scratch = Buffer.allocUnsafe(text.length);
  scratch.write(text, 0, 'latin1');
  return new DataView(scratch.buffer, scratch.byteOffset, text.length);
}

/** The window of the shortest needles: 4 characters, one 32-bit word of an ASCII text. */
export const MIN_NEEDLE_LENGTH = 4;

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
/** Hash chains keyed by 16, 8 and 4 first characters: few needles share as many first characters. */
const KEY_LENGTHS = [16, 8, MIN_NEEDLE_LENGTH] as const;

interface ScanTier {
  /** Characters hashed per window. */
  window: number;
  /** Windows hashed this far apart: each occurrence of a needle of the tier covers `step` windows from its start. */
  step: number;
  bits: number;
  /** Bitmap of the windows the tier's needles hold at offsets 0..step-1. */
  windows: Int32Array;
}

/** The needles with the same hash of their first `key` characters, chained. */
interface KeyTable {
  key: number;
  /** Slot → the first needle in it, or -1. */
  head: Int32Array;
  mask: number;
}

interface NeedleIndex {
  needles: readonly string[];
  tails: readonly (string | undefined)[];
  /** Scan tiers, short needles' first; one of them may be missing. */
  tiers: ScanTier[];
  /** Bitmap of the hashes of the needles' first 4 characters. */
  prefixes: Int32Array;
  prefixBits: number;
  /** Key tables, longest key first: a match in one is longer than any in the next. */
  tables: (KeyTable | undefined)[];
  /** Per needle: the hash of its first `key` characters, and the next needle in its chain (-1: none). */
  hashes: Int32Array;
  next: Int32Array;
}

const tierOf = (length: number): number => (length < SPLIT ? 0 : 1);
const tableOf = (length: number): number => (length >= KEY_LENGTHS[0] ? 0 : length >= KEY_LENGTHS[1] ? 1 : 2);

/** Two passes over the needles: their counts size the bitmaps and tables, then each is hashed once. */
function buildIndex(needles: readonly string[], tails: readonly (string | undefined)[]): NeedleIndex {
  const tierCounts = [0, 0];
  const tierShortest = [Infinity, Infinity];
  const tableCounts = [0, 0, 0];
  for (const needle of needles) {
    const tier = tierOf(needle.length);
    tierCounts[tier]!++;
    if (needle.length < tierShortest[tier]!) tierShortest[tier] = needle.length;
    tableCounts[tableOf(needle.length)]!++;
  }
  const tierList = [0, 1].map((t) =>
    tierCounts[t] ? scanTier(t === 0 ? MIN_NEEDLE_LENGTH : LONG_WINDOW, tierCounts[t]!, tierShortest[t]!) : undefined,
  );
  const tables = KEY_LENGTHS.map((key, t): KeyTable | undefined => {
    if (!tableCounts[t]) return undefined;
    const size = 2 ** Math.ceil(Math.log2(tableCounts[t]! * 2));
    return { key, head: new Int32Array(size).fill(-1), mask: size - 1 };
  });
  const prefixBits = filterBits(needles.length);
  const index: NeedleIndex = {
    needles,
    tails,
    tiers: tierList.filter((tier) => tier !== undefined),
    prefixes: new Int32Array(2 ** (prefixBits - 5)),
    prefixBits,
    tables,
    hashes: new Int32Array(needles.length),
    next: new Int32Array(needles.length),
  };

  // The hashes of a needle's 4-character windows, each computed once: longer windows and keys combine them.
  const window = new Int32Array(MAX_STEP + LONG_WINDOW);
  for (let i = 0; i < needles.length; i++) {
    const needle = needles[i]!;
    const tier = tierList[tierOf(needle.length)]!;
    const count = Math.min(needle.length - 3, Math.max(tier.step + tier.window - 4, KEY_LENGTHS[0] - 3));
    // Each character read once: the window's word rolls by a byte (a character wider than one folds differently).
    let word = 0;
    let wide = false;
    for (let p = 0; p < count + 3; p++) {
      const code = needle.charCodeAt(p);
      wide ||= code > 0xff;
      word = (word >>> 8) | (code << 24);
      if (p >= 3) window[p - 3] = mix(word);
    }
    if (wide) for (let p = 0; p < count; p++) window[p] = windowHash(needle, p);

    setBit(index.prefixes, window[0]!, prefixBits);
    for (let k = 0; k < tier.step; k++) {
      setBit(tier.windows, tier.window === LONG_WINDOW ? longFromWindows(window, k) : window[k]!, tier.bits);
    }

    const t = tableOf(needle.length);
    const table = tables[t]!;
    const hash =
      t === 0
        ? Math.imul(longFromWindows(window, 0), KEY_FACTOR) ^ longFromWindows(window, 8)
        : t === 1
          ? longFromWindows(window, 0)
          : window[0]!;
    index.hashes[i] = hash;
    index.next[i] = table.head[hash & table.mask]!;
    table.head[hash & table.mask] = i;
  }
  return index;
}

/**
 * The step and bitmap of `count` needles of `shortest` characters or more,
 * found by windows of `window` characters. Hashing fewer windows (a longer
 * step) registers more per needle, so more of the text's windows hit by
 * chance: balanced where step² ≈ bitmap bits / needles. The bitmap stays
 * small enough for the cache.
 */
function scanTier(window: number, count: number, shortest: number): ScanTier {
  const maxStep = Math.min(shortest - window + 1, MAX_STEP);
  const step = Math.max(1, Math.min(maxStep, Math.floor(Math.sqrt(2 ** MAX_FILTER_BITS / count))));
  const bits = filterBits(count * step);
  return { window, step, bits, windows: new Int32Array(2 ** (bits - 5)) };
}

/** The bits (log2) of a bitmap for `entries`: about 16 bits an entry, between 2^8 and 2^MAX_FILTER_BITS. */
function filterBits(entries: number): number {
  return Math.min(MAX_FILTER_BITS, Math.max(8, Math.ceil(Math.log2(entries * 16))));
}

function setBit(bitmap: Int32Array, hash: number, bits: number): void {
  const b = Math.imul(hash, 0x9e3779b1) >>> (32 - bits);
  bitmap[b >>> 5] = bitmap[b >>> 5]! | (1 << (b & 31));
}

/** The length of the longest needle at `s`, or 0. */
function longestMatch(text: string, s: number, { needles, tails, tables, hashes, next }: NeedleIndex): number {
  // Tables of longer keys first: their needles are at least as long as any match in the next table, a
  // needle's tail included (see needleReplacer), so the first table that matches has the longest match.
  for (const table of tables) {
    if (table === undefined || s + table.key > text.length) continue;
    const h = keyHash(text, s, table.key);
    let best = 0;
    for (let i = table.head[h & table.mask]!; i !== -1; i = next[i]!) {
      if (hashes[i] !== h) continue;
      const needle = needles[i]!;
      if (s + needle.length > text.length || !text.startsWith(needle, s)) continue;
      const tail = tails[i];
      const length =
        tail !== undefined && text.startsWith(tail, s + needle.length) ? needle.length + tail.length : needle.length;
      if (length > best) best = length;
    }
    if (best) return best;
  }
  return 0;
}

function keyHash(text: string, at: number, key: number): number {
  if (key === 4) return windowHash(text, at);
  if (key === 8) return longWindowHash(text, at);
  return Math.imul(longWindowHash(text, at), KEY_FACTOR) ^ longWindowHash(text, at + 8);
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
  { prefixes, prefixBits }: NeedleIndex,
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
 * A 32-bit hash of the 4 characters at `at`: of their codes packed as a
 * little-endian word (for ASCII, the 32-bit read of the text's bytes there),
 * XOR-folded when a code is wider than a byte.
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
const KEY_FACTOR = 0xcc9e2d51;

/** A 32-bit hash of the LONG_WINDOW (8) characters at `at`. */
function longWindowHash(text: string, at: number): number {
  return Math.imul(windowHash(text, at), LONG_FACTOR) ^ windowHash(text, at + 4);
}

/** longWindowHash from the 4-character window hashes already computed. */
function longFromWindows(window: Int32Array, at: number): number {
  return Math.imul(window[at]!, LONG_FACTOR) ^ window[at + 4]!;
}
