import { describe, expect, it } from 'vitest';
import { maskSecret, redact, redactValues, secretForms, textMasker } from './mask.ts';

const SECRET = 'hunter2:P@ss/w0rd+"x"';

describe('redact', () => {
  maskSecret(SECRET);

  it('masks the secret, its JSON and URL escapings', () => {
    const text = [
      SECRET,
      JSON.stringify({ password: SECRET }),
      `https://db.example/?p=${encodeURIComponent(SECRET)}`,
      `p=${encodeURIComponent(SECRET).replace(/%20/g, '+')}`,
    ].join('\n');
    const masked = redact(text);
    expect(masked).not.toContain('P@ss');
    expect(masked).not.toContain('P%40ss');
    expect(masked.split('\n')).toEqual(['***', '{"password":"***"}', 'https://db.example/?p=***', 'p=***']);
  });

  it('masks base64 of any text that contains the secret, at each byte alignment', () => {
    for (const prefix of ['', 'u', 'us', 'user:', 'admin:']) {
      for (const suffix of ['', '@', '@host', '\n']) {
        const encoded = Buffer.from(`${prefix}${SECRET}${suffix}`).toString('base64');
        const masked = redact(`Authorization: Basic ${encoded}`);
        expect(masked, `${prefix}…${suffix}`).toContain('***');
        // What is left cannot be decoded back to the secret's middle.
        const left = masked.replace('Authorization: Basic ', '').split('***').join('');
        expect(Buffer.from(left, 'base64').toString('utf8')).not.toContain('P@ss/w0rd');
      }
    }
  });

  it('masks each line of a multi-line secret', () => {
    maskSecret('-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----');
    expect(redact('key line: MIIEvQIBADANBgkq')).toBe('key line: ***');
  });

  it('masks strings inside data, and extra secrets given for one call', () => {
    expect(redactValues({ a: [`x ${SECRET}`], n: 3 })).toEqual({ a: ['x ***'], n: 3 });
    expect(redact('token abcd1234 here', ['abcd1234'])).toBe('token *** here');
  });

  it('leaves text without secrets as it is, and never masks forms shorter than 4 characters', () => {
    expect(redact('nothing to see')).toBe('nothing to see');
    expect(secretForms('ab')).toEqual([]);
    expect(textMasker(['abc'], '*')('abc abc')).toBe('abc abc');
  });
});

/** The forms as first written, with Buffer for every value: the reference for secretForms's fast paths. */
function referenceForms(secret: string): string[] {
  const forms = new Set<string>();
  const lines = /[\r\n]/.test(secret) ? secret.split(/\r?\n|\r/).map((l) => l.trim()) : [];
  for (const value of [secret, ...lines]) {
    if (value.length < 4) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
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
      const whole = from.subarray(0, from.length - (from.length % 3));
      if (whole.length >= 6) {
        forms.add(whole.toString('base64'));
        forms.add(whole.toString('base64url'));
      }
    }
  }
  return [...forms].filter((form) => form.length >= 4);
}

/** Longest match first at each position, left to right, by brute force: the reference for textMasker. */
function referenceMask(text: string, secrets: readonly string[], placeholder: string, literals: string[] = []): string {
  const forms = [...secrets.flatMap(referenceForms), ...literals.filter((literal) => literal.length >= 4)];
  const needles = [...new Set(forms)].sort((a, b) => b.length - a.length);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const needle = i <= text.length - 4 ? needles.find((n) => text.startsWith(n, i)) : undefined;
    if (needle) {
      out += placeholder;
      i += needle.length;
    } else out += text[i++];
  }
  return out;
}

function seededRandom(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

describe('secretForms and textMasker against brute-force references', () => {
  const random = seededRandom(42);
  // By code point: a lone surrogate is no text (encodeURIComponent throws on it).
  const pick = (alphabet: string, length: number) => {
    const chars = [...alphabet];
    return Array.from({ length }, () => chars[random(chars.length)]).join('');
  };
  const ALPHABETS = ['ab', 'abc-_.', '0123456789abcdef', 'aZ9 !\'()*"\\%${}+/=', 'aé€😀\n\r\t', 'xyz\u0000\u007f'];

  it('gives the same forms, in the same order, for ASCII, escaped, non-ASCII and multi-line values', () => {
    for (let i = 0; i < 2_000; i++) {
      const secret = pick(ALPHABETS[i % ALPHABETS.length]!, random(40));
      expect(secretForms(secret), JSON.stringify(secret)).toEqual(referenceForms(secret));
    }
  });

  it('masks like the brute force: overlapping needles, needles that prefix one another, short and long tiers', () => {
    for (let round = 0; round < 300; round++) {
      // Mostly ASCII (a long ASCII text is read as bytes), sometimes not.
      const alphabet = ALPHABETS[round % 5 === 4 ? 4 : round % 3]!;
      const secrets: string[] = [];
      const count = 1 + random(round % 10 === 0 ? 60 : 6);
      for (let i = 0; i < count; i++) {
        // Short (4-char window tier) and long (8-char window tier) needles.
        const length = random(3) === 0 ? 24 + random(20) : 2 + random(12);
        const secret = pick(alphabet, length);
        secrets.push(secret);
        // One that extends it, one that is its prefix, one that overlaps its end.
        if (random(2)) secrets.push(secret + pick(alphabet, 1 + random(6)));
        const chars = [...secret];
        if (random(2)) secrets.push(chars.slice(0, Math.max(4, chars.length - 1 - random(4))).join(''));
        if (random(2)) secrets.push(chars.slice(Math.floor(chars.length / 2)).join('') + pick(alphabet, 4));
      }
      // Some rounds: needles searched as they are, beside the secrets' forms.
      const literals =
        round % 4 === 1 ? Array.from({ length: 1 + random(4) }, () => pick(alphabet, 2 + random(30))) : [];
      // Texts made of the secrets' forms, pieces of them and noise.
      const pieces = [...secrets.flatMap((s) => secretForms(s)), ...secrets, ...literals];
      let text = '';
      // Odd rounds: texts long enough for the byte reads.
      while (text.length < (round % 2 ? 5_000 : 400) + random(2_000)) {
        const piece = pieces[random(pieces.length)]!;
        const r = random(4);
        text += r === 0 ? pick(alphabet, random(30)) : r === 1 ? piece.slice(random(piece.length)) : piece;
      }
      const masked = textMasker(secrets, '<*>', literals)(text);
      expect(masked, `round ${round}: ${JSON.stringify([secrets, literals])}`).toBe(
        referenceMask(text, secrets, '<*>', literals),
      );
    }
  });

  it('searches literals as they are, without forms of their own', () => {
    const mask = textMasker(['s3cr3t-value'], '*', ['p%40ss+word']);
    expect(mask('a=p%40ss+word b=s3cr3t-value')).toBe('a=* b=*');
    expect(mask(Buffer.from('s3cr3t-value').toString('base64'))).toBe('*');
    const encodedLiteral = Buffer.from('p%40ss+word').toString('base64');
    expect(mask(encodedLiteral)).toBe(encodedLiteral);
  });

  it('masks at the text edges and in texts shorter than a needle', () => {
    const mask = textMasker(['abcd', 'abcdefghijklmnopqrstuvwxyz0123'], '*');
    expect(mask('abcd')).toBe('*');
    expect(mask('abc')).toBe('abc');
    expect(mask('xabcdefghijklmnopqrstuvwxyz0123')).toBe('x*');
    expect(mask('abcdefghijklmnopqrstuvwxyz012')).toBe('*efghijklmnopqrstuvwxyz012');
    expect(mask('')).toBe('');
  });
});
