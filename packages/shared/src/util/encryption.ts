import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

// Authenticated encryption of files that hold secrets (a saved plan, its JSON),
// with a passphrase the user keeps as a secret: AES-256-GCM, the key derived
// with scrypt from the passphrase and a random salt. node:crypto has all of
// it; a library would add a dependency to every bundle for a few lines.
//
// Layout of an encrypted file (version 1):
//   magic "IACENC" (6) | version (1) | salt (16) | iv (12) | tag (16) | ciphertext
// The header is authenticated too (as additional data), so a change of any
// byte, header included, fails decryption.

const MAGIC = Buffer.from('IACENC', 'ascii');
const VERSION = 1;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + SALT_BYTES + IV_BYTES + TAG_BYTES;
// scrypt cost of version 1: N=2^15, r=8 (32 MiB, tens of ms), OWASP's minimum
// for scrypt. A passphrase may be weak; the cost is what slows guessing.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Why a file could not be decrypted. `authentication-failed`: wrong passphrase, or the file was altered. */
export type DecryptionFailure = 'not-encrypted' | 'unsupported-version' | 'authentication-failed';

export class DecryptionError extends Error {
  readonly failure: DecryptionFailure;

  constructor(message: string, failure: DecryptionFailure) {
    super(message);
    this.name = 'DecryptionError';
    this.failure = failure;
  }
}

/** Encrypts `data` with a key derived from `passphrase`; the result carries everything but the passphrase. */
export async function encrypt(data: Uint8Array, passphrase: string): Promise<Buffer> {
  requirePassphrase(passphrase);
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const key = await deriveKey(passphrase, salt);
  const prefix = Buffer.concat([MAGIC, Buffer.from([VERSION]), salt, iv]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(prefix);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  return Buffer.concat([prefix, cipher.getAuthTag(), ciphertext]);
}

/** Decrypts what `encrypt` produced; throws DecryptionError when the passphrase is wrong or a byte changed. */
export async function decrypt(encrypted: Uint8Array, passphrase: string): Promise<Buffer> {
  requirePassphrase(passphrase);
  const bytes = Buffer.from(encrypted.buffer, encrypted.byteOffset, encrypted.byteLength);
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new DecryptionError(
      'The data is not encrypted by iac-actions (no IACENC header), or is cut short.',
      'not-encrypted',
    );
  }
  let offset = MAGIC.length;
  const version = bytes[offset++];
  if (version !== VERSION) {
    throw new DecryptionError(
      `The data is encrypted with format version ${version}, which this version of iac-actions cannot read.`,
      'unsupported-version',
    );
  }
  const salt = bytes.subarray(offset, (offset += SALT_BYTES));
  const iv = bytes.subarray(offset, (offset += IV_BYTES));
  const prefix = bytes.subarray(0, offset);
  const tag = bytes.subarray(offset, (offset += TAG_BYTES));
  const key = await deriveKey(passphrase, salt);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(prefix);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(bytes.subarray(offset)), decipher.final()]);
  } catch {
    // GCM cannot tell a wrong key from altered data: both fail the tag check.
    throw new DecryptionError(
      'The data could not be decrypted: the passphrase is wrong or the data was altered.',
      'authentication-failed',
    );
  }
}

/** Encrypts the file `src` into `dest` (mode 0600). */
export async function encryptFile(src: string, dest: string, passphrase: string): Promise<void> {
  await writeFile(dest, await encrypt(await readFile(src), passphrase), { mode: 0o600 });
}

/** Decrypts the file `src` into `dest` (mode 0600: the clear text is secret); nothing is written on failure. */
export async function decryptFile(src: string, dest: string, passphrase: string): Promise<void> {
  await writeFile(dest, await decrypt(await readFile(src), passphrase), { mode: 0o600 });
}

function requirePassphrase(passphrase: string): void {
  // A bug of the caller, not a user error: inputs are checked before this.
  if (!passphrase) throw new Error('An encryption passphrase must not be empty.');
}

function deriveKey(passphrase: string, salt: Uint8Array): Promise<Buffer> {
  return derivePassphraseKey(passphrase, salt, 32);
}

/**
 * `length` bytes of key material from a passphrase and a salt, with the same
 * scrypt cost as encryption: for a MAC under the same passphrase (a plan
 * bundle's manifest), so that guessing it costs as much as guessing the key.
 */
export function derivePassphraseKey(passphrase: string, salt: Uint8Array, length: number): Promise<Buffer> {
  requirePassphrase(passphrase);
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, length, SCRYPT, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
