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
