import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'vitest';
import { decrypt, decryptFile, DecryptionError, encrypt, encryptFile, type DecryptionFailure } from './encryption.ts';

const PASSPHRASE = 'correct horse battery staple';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'encryption-'));
  t.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function failsWith(failure: DecryptionFailure) {
  return (error: unknown) => {
    assert.ok(error instanceof DecryptionError, `expected a DecryptionError, got ${String(error)}`);
    assert.equal(error.failure, failure);
    return true;
  };
}

test('a file round-trips through encryptFile and decryptFile byte for byte', async (t) => {
  const dir = await tempDir(t);
  const clear = Buffer.concat([Buffer.from('password = "hunter2"\n'), randomBytes(100_000)]);
  await writeFile(path.join(dir, 'plan.tfplan'), clear);

  await encryptFile(path.join(dir, 'plan.tfplan'), path.join(dir, 'plan.tfplan.enc'), PASSPHRASE);
  const stored = await readFile(path.join(dir, 'plan.tfplan.enc'));
  assert.equal(stored.includes('hunter2'), false, 'the secret is not readable in the encrypted file');
  assert.equal(stored.subarray(0, 6).toString(), 'IACENC');

  await decryptFile(path.join(dir, 'plan.tfplan.enc'), path.join(dir, 'decrypted'), PASSPHRASE);
  assert.deepEqual(await readFile(path.join(dir, 'decrypted')), clear);
  assert.equal((await stat(path.join(dir, 'decrypted'))).mode & 0o777, 0o600, 'the clear copy is private');
});

test('the same data encrypts differently each time (random salt and IV) and empty data round-trips', async () => {
  const data = Buffer.from('same plan');
  const [a, b] = await Promise.all([encrypt(data, PASSPHRASE), encrypt(data, PASSPHRASE)]);
  assert.notDeepEqual(a, b);
  assert.deepEqual(await decrypt(a, PASSPHRASE), data);
  assert.deepEqual(await decrypt(await encrypt(Buffer.alloc(0), PASSPHRASE), PASSPHRASE), Buffer.alloc(0));
});

test('a wrong passphrase fails decryption and writes nothing', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'plan.json'), '{"variables":{"token":{"value":"s3cr3t"}}}');
  await encryptFile(path.join(dir, 'plan.json'), path.join(dir, 'plan.json.enc'), PASSPHRASE);

  await assert.rejects(
    decryptFile(path.join(dir, 'plan.json.enc'), path.join(dir, 'out.json'), 'Correct horse battery staple'),
    failsWith('authentication-failed'),
  );
  await assert.rejects(stat(path.join(dir, 'out.json')), { code: 'ENOENT' });
});

test('changing any byte, header or ciphertext, fails decryption', async () => {
  const encrypted = await encrypt(Buffer.from('resource "aws_s3_bucket" "state" {}'), PASSPHRASE);
  // magic 0-5, version 6, salt 7-22, iv 23-34, tag 35-50, ciphertext 51-
  const expected: [number, DecryptionFailure][] = [
    [0, 'not-encrypted'],
    [6, 'unsupported-version'],
    [7, 'authentication-failed'],
    [22, 'authentication-failed'],
    [23, 'authentication-failed'],
    [40, 'authentication-failed'],
    [51, 'authentication-failed'],
    [encrypted.length - 1, 'authentication-failed'],
  ];
  for (const [position, failure] of expected) {
    const altered = Buffer.from(encrypted);
    altered[position] = altered[position]! ^ 0x01;
    await assert.rejects(decrypt(altered, PASSPHRASE), failsWith(failure), `byte ${position}`);
  }
  await assert.rejects(
    decrypt(encrypted.subarray(0, encrypted.length - 1), PASSPHRASE),
    failsWith('authentication-failed'),
  );
  await assert.rejects(decrypt(Buffer.from('{"plain":"json"}'), PASSPHRASE), failsWith('not-encrypted'));
});

test('an empty passphrase is refused', async () => {
  await assert.rejects(encrypt(Buffer.from('x'), ''), /must not be empty/);
});
