import { describe, expect, it } from 'vitest';
import { generateSshKey, makeCorpus, sshKeySecret } from './corpus.ts';
import { findLeaks, type Channel } from './channels.ts';
import { leaks, needlesOf } from './leaks.ts';

// The search itself, so that a leak test cannot pass because it looked for
// nothing: each form a secret takes when it leaves is found, inside longer
// text, and unrelated or masked text is not.

const SECRET = 'pa"ss/wo:rd+1234=x';

describe('leaks', () => {
  it('finds the raw value inside a longer text', () => {
    expect(leaks(`the value is ${SECRET}, see?`, SECRET)).toContain('raw');
  });

  it('finds base64("user:" + secret) and the secret base64-encoded at each byte alignment inside longer text', () => {
    for (const prefix of ['', 'u', 'us', 'user:', 'Authorization: Basic x']) {
      const encoded = Buffer.from(`${prefix}${SECRET} and more`).toString('base64');
      const found = leaks(`auth header: ${encoded} end`, SECRET);
      expect(
        found.filter((f) => f.startsWith('base64@')),
        prefix,
      ).not.toEqual([]);
      expect(found, prefix).not.toContain('raw');
    }
    // A docker config.json, as `docker login` writes it.
    const config = JSON.stringify({
      auths: { 'r.example': { auth: Buffer.from(`publisher:${SECRET}`).toString('base64') } },
    });
    expect(leaks(config, SECRET)).not.toEqual([]);
    // The URL alphabet, as a JWT or a signed URL carries it.
    const url = Buffer.from(`x${SECRET}??>>`).toString('base64url');
    expect(leaks(url, SECRET).some((f) => f.startsWith('base64'))).toBe(true);
  });

  it('finds the JSON-escaped form, also escaped twice, and the URL-encoded forms', () => {
    expect(leaks(JSON.stringify({ password: SECRET }), SECRET)).toContain('json');
    expect(leaks(JSON.stringify({ outputs: JSON.stringify({ password: SECRET }) }), SECRET)).toContain('json-in-json');
    expect(leaks(`https://h/?q=${encodeURIComponent(SECRET)}`, SECRET)).toContain('url');
    expect(leaks(`q=${encodeURIComponent(`a ${SECRET}`).replace(/%20/g, '+')}`, SECRET)).toContain('url');
    expect(leaks(encodeURIComponent(SECRET).toLowerCase(), SECRET)).toContain('url-lowercase');
    // Terraform's urlencode() is RFC 3986's.
    const rfc3986 = encodeURIComponent("it's (x)*").replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
    expect(leaks(rfc3986, "it's (x)*")).toContain('url-rfc3986');
  });

  it('finds any one line of a multi-line secret, but not its PEM armour', async () => {
    const key = await generateSshKey();
    const secret = sshKeySecret(key, 'test');
    const bodyLines = key.trim().split('\n').slice(2, -1);
    expect(bodyLines.length).toBeGreaterThan(0);
    for (const line of bodyLines) {
      if (line.length < 8) continue;
      expect(leaks(`ssh said: ${line}`, secret), line).not.toEqual([]);
    }
    expect(leaks('-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----', secret)).toEqual([]);
    // The first body line is the same in every unencrypted ed25519 key: another key's does not count.
    const other = await generateSshKey();
    expect(leaks(other, secret)).toEqual([]);
    expect(leaks(key, secret)).toContain('raw');
  });

  it('does not find a masked value, an unrelated text, or a prefix of the secret', () => {
    expect(leaks(`value: *** and ${Buffer.from('user:***').toString('base64')}`, SECRET)).toEqual([]);
    expect(leaks(SECRET.slice(0, 6), SECRET)).toEqual([]);
    expect(leaks('', SECRET)).toEqual([]);
  });

  it('has a needle of each form for every secret of the corpus', async () => {
    const corpus = await makeCorpus();
    for (const secret of Object.values(corpus)) {
      const forms = needlesOf(secret).map((n) => n.form);
      expect(forms, secret.id).toContain('raw');
      expect(forms.filter((f) => f.startsWith('base64@')).length, secret.id).toBe(3);
      // The corpus's characters make the URL-encoded form differ from the raw one.
      if (encodeURIComponent(secret.value) !== secret.value) expect(forms, secret.id).toContain('url');
      // Each secret is found in a comment body that quotes it.
      expect(leaks(`> ${secret.value}`, secret), secret.id).toContain('raw');
    }
  });
});

describe('findLeaks', () => {
  it('reports the channel and forms, and skips only the places explicitly allowed', async () => {
    const corpus = await makeCorpus();
    const channels: Channel[] = [
      { name: 'log (main)', text: `login with ${Buffer.from(`AWS:${corpus.ecrPassword.value}`).toString('base64')}` },
      { name: 'artifact plan/plan.json', text: JSON.stringify({ db_password: corpus.tfSensitive.value }) },
      { name: 'summary (main)', text: 'nothing here' },
    ];
    const found = findLeaks(
      channels,
      [corpus.ecrPassword, corpus.tfSensitive],
      [{ secret: corpus.tfSensitive.id, channel: /^artifact .*\/plan\.json$/, why: 'clear by design without a key' }],
    );
    expect(found.map((l) => [l.secret, l.channel])).toEqual([[corpus.ecrPassword.id, 'log (main)']]);
    expect(found[0]?.forms.some((f) => f.startsWith('base64@'))).toBe(true);
    expect(findLeaks(channels, [corpus.tfSensitive]).map((l) => l.channel)).toEqual(['artifact plan/plan.json']);
  });
});
