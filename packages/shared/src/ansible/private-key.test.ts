import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { invalidInputError } from '../../../../test/assertions.ts';
import { normalizePrivateKey } from './private-key.ts';

let dir: string;
const keys: Record<string, { private: string; public: string }> = {};

/** A key pair written by ssh-keygen, as its files hold them. */
function sshKeygen(name: string, ...args: string[]) {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-C', 'deploy@ci', '-f', file, ...args]);
  keys[name] = { private: readFileSync(file, 'utf8'), public: readFileSync(`${file}.pub`, 'utf8') };
}

/** The public key OpenSSH derives from a private key, i.e. proof that ssh can load it. */
function publicKeyOf(privateKey: string): string {
  const file = path.join(dir, 'check');
  writeFileSync(file, privateKey, { mode: 0o600 });
  return withoutComment(execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }));
}

/** `type base64` of a public key line; only OpenSSH's format keeps the comment. */
function withoutComment(publicKey: string | undefined): string {
  return (publicKey ?? '').split(' ').slice(0, 2).join(' ').trim();
}

function key(name: string): string {
  const pair = keys[name];
  assert.ok(pair, name);
  return pair.private;
}

/** Refused with a message matching `message` that holds no piece of the key. */
function refused(message: RegExp, value: string) {
  return (error: unknown) => {
    invalidInputError(message)(error);
    const text = (error as Error).message;
    for (const chunk of value.match(/[A-Za-z0-9+/]{12,}/g) ?? []) {
      if (/^[A-Z]+$/.test(chunk)) continue; // words of the BEGIN line
      assert.ok(!text.includes(chunk.slice(0, 12)), `the message quotes the key: ${text}`);
    }
    return true;
  };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'private-key-test-'));
  sshKeygen('ed25519', '-t', 'ed25519', '-N', '');
  sshKeygen('rsa-pem', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '');
  sshKeygen('ecdsa-pem', '-t', 'ecdsa', '-m', 'PEM', '-N', '');
  sshKeygen('ed25519-encrypted', '-t', 'ed25519', '-N', 'correct horse');
  sshKeygen('rsa-pem-encrypted', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'correct horse');
  const rsa = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  keys['rsa-pkcs8'] = { private: rsa.privateKey, public: rsa.publicKey };
  const ec = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  keys['ec-pkcs8'] = { private: ec.privateKey, public: ec.publicKey };
  const ed25519 = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  keys['ed25519-pkcs8'] = { private: ed25519.privateKey, public: ed25519.publicKey };
  keys['rsa-pkcs8-encrypted'] = {
    private: generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' },
    }).privateKey,
    public: '',
  };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('normalizePrivateKey', () => {
  it('returns a well-formed key unchanged, and OpenSSH loads it', () => {
    for (const name of ['ed25519', 'rsa-pem', 'ecdsa-pem']) {
      const normalized = normalizePrivateKey(key(name));
      assert.equal(normalized, key(name), name);
      assert.equal(publicKeyOf(normalized), withoutComment(keys[name]?.public), name);
    }
  });

  it('accepts PKCS#8 keys as node writes them', () => {
    for (const name of ['rsa-pkcs8', 'ec-pkcs8', 'ed25519-pkcs8']) {
      assert.equal(normalizePrivateKey(key(name)), key(name), name);
    }
    // OpenSSH before 9.6 reads no Ed25519 key in PKCS#8, so RSA and EC show that ssh loads them.
    assert.match(publicKeyOf(normalizePrivateKey(key('rsa-pkcs8'))), /^ssh-rsa AAAA/);
    assert.match(publicKeyOf(normalizePrivateKey(key('ec-pkcs8'))), /^ecdsa-sha2-nistp256 AAAA/);
  });

  it('repairs CRLF line endings, blank lines around the key and a missing final newline', () => {
    const original = key('ed25519');
    assert.equal(normalizePrivateKey(`\r\n\r\n${original.replace(/\n/g, '\r\n')}\r\n  \r\n`), original);
    assert.equal(normalizePrivateKey(original.trimEnd()), original);
    assert.equal(normalizePrivateKey(` \t${key('rsa-pem').replace(/\n/g, ' \n')}`), key('rsa-pem'));
  });

  it('repairs newlines turned into spaces', () => {
    for (const name of ['ed25519', 'rsa-pem', 'rsa-pkcs8']) {
      assert.equal(normalizePrivateKey(key(name).trim().replace(/\n/g, ' ')), key(name), name);
    }
  });

  it('repairs newlines turned into a literal \\n', () => {
    const original = key('ed25519');
    assert.equal(normalizePrivateKey(original.replace(/\n/g, '\\n')), original);
    assert.equal(normalizePrivateKey(key('rsa-pem').replace(/\n/g, '\\r\\n')), key('rsa-pem'));
  });

  it('repairs a key whose lines were joined or re-wrapped', () => {
    const original = key('ed25519');
    const [begin, ...rest] = original.trim().split('\n');
    const end = rest.pop();
    const body = rest.join('');
    assert.equal(normalizePrivateKey(`${begin}${body}${end}`), original);
    assert.equal(normalizePrivateKey(`${begin}\n${body.match(/.{1,64}/g)?.join('\n')}\n${end}\n`), original);
    assert.equal(publicKeyOf(normalizePrivateKey(`${begin}${body}${end}`)), withoutComment(keys['ed25519']?.public));
  });

  it('skips the EC PARAMETERS block openssl writes before an EC key', () => {
    const withParameters = `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${key('ecdsa-pem')}`;
    assert.equal(normalizePrivateKey(withParameters), key('ecdsa-pem'));
  });

  describe('refuses', () => {
    it('an encrypted key, saying why', () => {
      for (const name of ['ed25519-encrypted', 'rsa-pem-encrypted', 'rsa-pkcs8-encrypted']) {
        assert.throws(
          () => normalizePrivateKey(key(name)),
          refused(
            /^Input 'private-key' is an encrypted private key: the action cannot type its passphrase; give a key without one$/,
            key(name),
          ),
          name,
        );
      }
      assert.throws(
        () => normalizePrivateKey(key('rsa-pem-encrypted').replace(/\n/g, ' ')),
        refused(/is an encrypted private key/, key('rsa-pem-encrypted')),
      );
    });

    it('a public key', () => {
      for (const value of [
        keys['ed25519']?.public ?? '',
        keys['rsa-pem']?.public ?? '',
        keys['rsa-pkcs8']?.public ?? '',
      ]) {
        assert.throws(
          () => normalizePrivateKey(value),
          refused(/^Input 'private-key' is a public key: give the private key \(the key file without \.pub\)$/, value),
        );
      }
    });

    it('a key that lost part of its body', () => {
      for (const name of ['ed25519', 'rsa-pem', 'rsa-pkcs8']) {
        const lines = key(name).split('\n');
        const cut = [...lines.slice(0, 2), ...lines.slice(3)].join('\n');
        assert.throws(() => normalizePrivateKey(cut), refused(/^Input 'private-key' is damaged: /, key(name)), name);
        const truncated = `${lines.slice(0, 2).join('\n')}\n${lines.at(-2)}\n`;
        assert.throws(() => normalizePrivateKey(truncated), refused(/is damaged/, key(name)), name);
      }
    });

    it('a body that is not base64', () => {
      const value = key('ed25519').replace(/\n(.{8})/, '\n$1!*');
      assert.throws(
        () => normalizePrivateKey(value),
        refused(/is damaged: the lines between BEGIN and END are not base64/, value),
      );
    });

    it('mismatched BEGIN and END lines', () => {
      const value = key('rsa-pem').replace('END RSA PRIVATE KEY', 'END PRIVATE KEY');
      assert.throws(() => normalizePrivateKey(value), refused(/whose END line does not match/, value));
    });

    it('two keys, or a key with other text', () => {
      assert.throws(
        () => normalizePrivateKey(key('ed25519') + key('rsa-pem')),
        refused(/holds something besides one private key/, key('ed25519')),
      );
      assert.throws(
        () => normalizePrivateKey(`${key('ed25519')}${keys['ed25519']?.public}`),
        refused(/holds something besides one private key/, key('ed25519')),
      );
    });

    it('anything else', () => {
      for (const value of ['hunter2-not-a-key', '{"private_key": "abc"}', '']) {
        assert.throws(
          () => normalizePrivateKey(value),
          refused(/^Input 'private-key' is (not an SSH private key|empty)/, value),
        );
      }
      const certificate = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUK\n-----END CERTIFICATE-----\n';
      assert.throws(
        () => normalizePrivateKey(certificate),
        refused(/^Input 'private-key' is a CERTIFICATE, not an SSH private key$/, certificate),
      );
      assert.throws(
        () => normalizePrivateKey('PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n'),
        refused(/is a PuTTY key: convert it/, ''),
      );
    });
  });
});
