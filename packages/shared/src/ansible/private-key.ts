import { createPrivateKey } from 'node:crypto';
import { invalidInput } from '../action/action-error.ts';

// The `private-key` input, checked before ssh sees it: a key pasted into a
// secret is often mangled (CRLF, newlines lost), and ssh then only says
// "invalid format" or asks for a passphrase nobody can type. No message here
// quotes any of the value.

const OPENSSH = 'OPENSSH PRIVATE KEY';
/** PEM labels OpenSSH reads, with the line width their writers use. */
const LINE_WIDTH: Record<string, number> = {
  [OPENSSH]: 70,
  'RSA PRIVATE KEY': 64,
  'EC PRIVATE KEY': 64,
  'DSA PRIVATE KEY': 64,
  'PRIVATE KEY': 64,
};
const ARMOR = /-----BEGIN ([A-Z0-9]+(?: [A-Z0-9]+)*)-----([^]*?)-----END ([A-Z0-9]+(?: [A-Z0-9]+)*)-----/;
const PUBLIC_KEY_LINE = /^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-\S+|sk-\S+|\S+-cert-v01@openssh\.com)\s+AAAA/;
const ENCRYPTED = 'is an encrypted private key: the action cannot type its passphrase; give a key without one';

/** Checks the `private-key` input is an SSH private key and returns it normalised as OpenSSH expects (LF line endings, a final newline). */
export function normalizePrivateKey(text: string): string {
  // Base64 has no backslash, so a literal `\n` can only be a lost newline.
  const key = text
    .replace(/\\r\\n|\\n/g, '\n')
    .replace(/\r\n?/g, '\n')
    // `openssl ecparam -genkey` writes the curve before the key; ssh skips it.
    .replace(/-----BEGIN EC PARAMETERS-----[^]*?-----END EC PARAMETERS-----/, '')
    .trim();
  if (!key) throw problem('is empty: give the content of the private key file (e.g. ~/.ssh/id_ed25519)');
  if (PUBLIC_KEY_LINE.test(key) || /-----BEGIN (?:[A-Z]+ )?PUBLIC KEY-----|---- BEGIN SSH2 PUBLIC KEY ----/.test(key)) {
    throw problem('is a public key: give the private key (the key file without .pub)');
  }
  if (key.startsWith('PuTTY-User-Key-File-')) {
    throw problem(
      'is a PuTTY key: convert it with `puttygen key.ppk -O private-openssh -o key` and give that file instead',
    );
  }
  const armor = ARMOR.exec(key);
  if (!armor) {
    throw problem('is not an SSH private key: expected a key beginning -----BEGIN OPENSSH PRIVATE KEY-----');
  }
  const [whole, label = '', body = '', endLabel = ''] = armor;
  if (label !== endLabel) throw problem(`has a BEGIN ${label} line whose END line does not match: the key is damaged`);
  if (key !== whole) throw problem('holds something besides one private key: give the key file alone');
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(body)) throw problem(ENCRYPTED);
  const width = LINE_WIDTH[label];
  if (!width) throw problem(`is a ${label}, not an SSH private key`);

  // Spaces and newlines are both ignored: a key whose newlines were turned
  // into spaces is then whole again.
  const base64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw problem('is damaged: the lines between BEGIN and END are not base64 (was part of the key lost in copying?)');
  }
  const decoded = Buffer.from(base64, 'base64');
  if (label === OPENSSH) checkOpenSshKey(decoded);
  const lines = base64.match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
  const normalized = `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
  if (label !== OPENSSH) checkPemKey(normalized);
  return normalized;
}

/**
 * The envelope of OpenSSH's key format (PROTOCOL.key in OpenSSH's sources),
 * which node's crypto cannot read: enough to tell a cut-short or encrypted
 * key from a good one.
 */
function checkOpenSshKey(data: Buffer): void {
  const magic = Buffer.from('openssh-key-v1\0');
  if (!data.subarray(0, magic.length).equals(magic)) throw problem('is damaged: it is not an OpenSSH key inside');
  let offset = magic.length;
  const field = (): Buffer => {
    if (offset + 4 > data.length) throw problem('is damaged: it is cut short');
    const length = data.readUInt32BE(offset);
    offset += 4;
    if (offset + length > data.length) throw problem('is damaged: it is cut short');
    offset += length;
    return data.subarray(offset - length, offset);
  };
  const cipher = field().toString('latin1');
  if (cipher !== 'none') throw problem(ENCRYPTED);
  field(); // kdf name
  field(); // kdf options
  if (offset + 4 > data.length) throw problem('is damaged: it is cut short');
  const keys = data.readUInt32BE(offset);
  offset += 4;
  for (let i = 0; i < keys; i++) field(); // public keys
  field(); // the private keys
  if (offset !== data.length) throw problem('is damaged: it has extra data after the key');
}

function checkPemKey(pem: string): void {
  try {
    createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw problem('is damaged: its content is not a private key (was part of the key lost in copying?)');
  }
}

function problem(text: string) {
  return invalidInput('private-key', text);
}
