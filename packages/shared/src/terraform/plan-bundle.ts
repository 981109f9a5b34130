import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError } from '../action/action-error.ts';
import { decryptFile, DecryptionError, derivePassphraseKey, encrypt, encryptFile } from '../util/encryption.ts';
import { isRecord } from '../util/values.ts';
import { canonicalJson } from './plan-digest.ts';

// The plan bundle: what tf-plan hands to tf-apply through an artifact. A
// directory of the saved plan, its JSON and text renderings, and
// metadata.json, which records where the plan comes from and the SHA-256 of
// every file as stored. The binary plan and its JSON hold secrets (variables,
// sensitive values in clear): with a key they are stored encrypted.
//
// The hashes alone only catch a file altered, lost or added by accident:
// whoever can rewrite the artifact can rewrite metadata.json too. With a key,
// the bundle is authenticated as one unit: one HMAC-SHA-256, under a key
// derived from the passphrase, over metadata.json in canonical form, which
// lists every file's hash — so that no field and no file can change, and no
// file be swapped for another encrypted with the same key, without the MAC
// failing. Without a key tf-apply trusts nothing in metadata.json and checks
// the plan file itself (see plan-file.ts and plan-verify.ts).

// 2: the MAC (`authentication`) of an encrypted bundle; createdAt is the plan's own timestamp.
export const PLAN_BUNDLE_FORMAT_VERSION = 2;

/** File names inside a bundle; an encrypted file adds `.enc`. */
export const PLAN_BUNDLE_FILES = {
  plan: 'plan.tfplan',
  json: 'plan.json',
  text: 'plan.txt',
  metadata: 'metadata.json',
} as const;

const ENCRYPTED_SUFFIX = '.enc';

export type PlanTool = 'terraform' | 'tofu';

/** Where a plan comes from: what the caller knows when it writes the bundle. */
export interface PlanBundleSource {
  /** The plan's digest (see the plan model), compared again before apply. */
  planDigest: string;
  commitSha: string;
  pullRequest: number | null;
  /** Relative to the repository root, as the user wrote it. */
  workingDirectory: string;
  workspace: string;
  tool: PlanTool;
  toolVersion: string;
  runId: number;
  runAttempt: number;
  /** `owner/name`. */
  repository: string;
  /** ISO 8601. */
  createdAt: string;
}

export interface PlanBundleMetadata extends PlanBundleSource {
  formatVersion: typeof PLAN_BUNDLE_FORMAT_VERSION;
  /** Every file of the bundle but metadata.json, by name, with the SHA-256 (hex) of its bytes as stored. */
  files: Record<string, { sha256: string }>;
  /** Whether the plan and its JSON are stored encrypted. */
  encrypted: boolean;
  /** The MAC over the bundle; present exactly when it is encrypted. */
  authentication?: BundleAuthentication;
}

/** How an encrypted bundle is authenticated: HMAC-SHA-256 over the canonical metadata (this `mac` left out). */
export interface BundleAuthentication {
  algorithm: typeof MAC_ALGORITHM;
  /** Base64 salt of the scrypt derivation of the MAC key from the passphrase. */
  salt: string;
  /** Hex HMAC of a fixed text under a second derived key: tells a wrong key from a tampered bundle. */
  keyCheck: string;
  /** Hex HMAC-SHA-256 of the canonical metadata. */
  mac: string;
}

const MAC_ALGORITHM = 'HMAC-SHA-256/scrypt';
const MAC_CONTEXT = 'iac-actions plan bundle v2\n';
const KEY_CHECK_TEXT = 'iac-actions plan bundle key check';

export interface PlanBundleInput {
  /** The saved plan `terraform plan -out` wrote. */
  planFile: string;
  /** `terraform show -json <plan>`. */
  jsonPlanText: string;
  /** `terraform show <plan>`, masked. */
  textPlan: string;
  meta: PlanBundleSource;
  /** When set (non-empty), the plan and its JSON are stored encrypted with it. */
  encryptionKey?: string;
}

export interface PlanBundlePaths {
  /** The stored plan: `plan.tfplan`, or `plan.tfplan.enc` when encrypted. */
  plan: string;
  /** `plan.json`, or `plan.json.enc` when encrypted. */
  json: string;
  text: string;
  metadata: string;
}

export interface WrittenPlanBundle {
  dir: string;
  metadata: PlanBundleMetadata;
  paths: PlanBundlePaths;
}

/** Writes a plan bundle into `dir`, which is created and must hold nothing else. */
export async function writePlanBundle(dir: string, input: PlanBundleInput): Promise<WrittenPlanBundle> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const leftovers = await readdir(dir);
  // A file left there would become part of the artifact and fail verification.
  if (leftovers.length > 0) throw new Error(`The plan bundle directory ${dir} is not empty: ${leftovers.join(', ')}.`);

  const encrypted = Boolean(input.encryptionKey);
  const names = storedNames(encrypted);
  const paths: PlanBundlePaths = {
    plan: path.join(dir, names.plan),
    json: path.join(dir, names.json),
    text: path.join(dir, names.text),
    metadata: path.join(dir, PLAN_BUNDLE_FILES.metadata),
  };
  const json = Buffer.from(input.jsonPlanText, 'utf8');
  if (input.encryptionKey) {
    // Written encrypted from the start: the clear plan never lands in the bundle.
    await encryptFile(input.planFile, paths.plan, input.encryptionKey);
    await writeFile(paths.json, await encrypt(json, input.encryptionKey), { mode: 0o600 });
  } else {
    await copyFile(input.planFile, paths.plan);
    await writeFile(paths.json, json, { mode: 0o600 });
  }
  await writeFile(paths.text, input.textPlan, { mode: 0o600 });

  const files: PlanBundleMetadata['files'] = {};
  for (const name of [names.plan, names.json, names.text]) {
    files[name] = { sha256: sha256(await readFile(path.join(dir, name))) };
  }
  const unsigned: PlanBundleMetadata = {
    formatVersion: PLAN_BUNDLE_FORMAT_VERSION,
    ...pickSource(input.meta),
    files,
    encrypted,
  };
  const metadata = input.encryptionKey ? await authenticate(unsigned, input.encryptionKey) : unsigned;
  await writeFile(paths.metadata, `${JSON.stringify(metadata, null, 2)}\n`, { mode: 0o600 });
  return { dir, metadata, paths };
}

export interface ReadPlanBundle {
  metadata: PlanBundleMetadata;
  /** What does not match metadata.json, one sentence each; empty when the bundle is intact. */
  problems: string[];
}

/**
 * Reads a bundle's metadata and checks every file against it: a file missing,
 * altered, or not listed is a problem (tf-apply refuses with `plan-tampered`).
 * Throws ActionError `plan-tampered` when metadata.json itself is missing or
 * malformed, `plan-bundle-unsupported` when a newer format wrote it.
 */
export async function readPlanBundle(dir: string): Promise<ReadPlanBundle> {
  const metadata = await readMetadata(dir);
  const problems: string[] = [];
  const present = new Map<string, boolean>();
  for (const entry of await readdir(dir, { withFileTypes: true })) present.set(entry.name, entry.isFile());

  for (const [name, { sha256: expected }] of Object.entries(metadata.files)) {
    if (!present.get(name)) {
      problems.push(`${name} is missing.`);
      continue;
    }
    const actual = sha256(await readFile(path.join(dir, name)));
    if (actual !== expected) problems.push(`${name} was altered: its SHA-256 is ${actual}, not ${expected}.`);
  }
  for (const name of present.keys()) {
    if (name !== PLAN_BUNDLE_FILES.metadata && !(name in metadata.files)) {
      problems.push(`${name} is not part of the plan bundle.`);
    }
  }
  return { metadata, problems };
}

export interface DecryptedPlan {
  /** The saved plan, for `terraform apply <plan>`. */
  plan: string;
  /** `terraform show -json` of it. */
  json: string;
}

/**
 * The clear plan and JSON of a bundle: decrypted into `outDir` (0600 files)
 * when the bundle is encrypted, else the bundle's own files. Check the bundle
 * with readPlanBundle first. A wrong key is ActionError `plan-decryption-failed`.
 */
export async function decryptPlanBundle(dir: string, key: string, outDir: string): Promise<DecryptedPlan> {
  const metadata = await readMetadata(dir);
  const names = storedNames(metadata.encrypted);
  if (!metadata.encrypted) return { plan: path.join(dir, names.plan), json: path.join(dir, names.json) };
  await authenticatePlanBundle(metadata, key);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const out = { plan: path.join(outDir, PLAN_BUNDLE_FILES.plan), json: path.join(outDir, PLAN_BUNDLE_FILES.json) };
  try {
    await decryptFile(path.join(dir, names.plan), out.plan, key);
    await decryptFile(path.join(dir, names.json), out.json, key);
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
    // The key and the manifest were authenticated: a file that does not
    // decrypt was encrypted with the key but is not the file tf-plan wrote.
    throw new ActionError(
      `The plan bundle could not be decrypted: ${error.message.replace(/\.$/, '')}. It was altered after tf-plan made it: plan again.`,
      error.failure === 'authentication-failed' ? 'plan-tampered' : 'plan-decryption-failed',
      { cause: error },
    );
  }
  return out;
}

/**
 * Checks the bundle's MAC with the key tf-apply was given, before anything
 * in metadata.json is believed. With a key, a bundle that is not
 * authenticated (no MAC, a wrong one, or made without encryption) is
 * ActionError `plan-tampered`; a key that is not the one the bundle was made
 * with, `plan-decryption-failed`. Without a key, an encrypted bundle is
 * `plan-decryption-failed`, and a clear one is returned unauthenticated.
 * Returns whether metadata.json is authenticated.
 */
export async function authenticatePlanBundle(metadata: PlanBundleMetadata, key: string): Promise<boolean> {
  if (!key) {
    if (metadata.encrypted) {
      throw new ActionError(
        'The plan bundle is encrypted, and no encryption key was given: set `plan-encryption-key` to the key that tf-plan encrypted it with.',
        'plan-decryption-failed',
      );
    }
    return false;
  }
  const auth = metadata.authentication;
  if (!metadata.encrypted || !auth) {
    throw new ActionError(
      `\`plan-encryption-key\` is set, and the plan bundle is ${metadata.encrypted ? 'not authenticated' : 'not encrypted'}: tf-plan with that key did not make it, or it was replaced. Plan again with the same key.`,
      'plan-tampered',
    );
  }
  const keys = await bundleKeys(key, Buffer.from(auth.salt, 'base64'));
  if (!sameHex(hmac(keys.check, KEY_CHECK_TEXT), auth.keyCheck)) {
    throw new ActionError(
      'The plan bundle could not be decrypted: the encryption key does not match the key tf-plan encrypted it with. Set the same `plan-encryption-key` for tf-plan and tf-apply.',
      'plan-decryption-failed',
    );
  }
  if (!sameHex(hmac(keys.mac, manifest(metadata)), auth.mac)) {
    throw new ActionError(
      'The plan bundle fails its authentication: metadata.json or a file hash was changed after tf-plan made it. It is not the plan that was reviewed: plan again.',
      'plan-tampered',
    );
  }
  return true;
}

async function authenticate(metadata: PlanBundleMetadata, key: string): Promise<PlanBundleMetadata> {
  const salt = randomBytes(16);
  const keys = await bundleKeys(key, salt);
  const authentication = {
    algorithm: MAC_ALGORITHM,
    salt: salt.toString('base64'),
    keyCheck: hmac(keys.check, KEY_CHECK_TEXT),
    mac: '',
  } satisfies BundleAuthentication;
  const withAuth = { ...metadata, authentication };
  authentication.mac = hmac(keys.mac, manifest(withAuth));
  return withAuth;
}

/** What the MAC covers: every field of the metadata (the file hashes included) in canonical JSON, but the MAC. */
function manifest(metadata: PlanBundleMetadata): string {
  const { mac: _mac, ...auth } = metadata.authentication ?? ({} as BundleAuthentication);
  return MAC_CONTEXT + canonicalJson({ ...metadata, authentication: auth });
}

async function bundleKeys(passphrase: string, salt: Uint8Array): Promise<{ mac: Buffer; check: Buffer }> {
  const material = await derivePassphraseKey(passphrase, salt, 64);
  return { mac: material.subarray(0, 32), check: material.subarray(32) };
}

function hmac(key: Uint8Array, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

function storedNames(encrypted: boolean) {
  const suffix = encrypted ? ENCRYPTED_SUFFIX : '';
  return {
    plan: `${PLAN_BUNDLE_FILES.plan}${suffix}`,
    json: `${PLAN_BUNDLE_FILES.json}${suffix}`,
    text: PLAN_BUNDLE_FILES.text,
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// Copies only the known fields: a caller's object may carry more.
function pickSource(meta: PlanBundleSource): PlanBundleSource {
  return {
    planDigest: meta.planDigest,
    commitSha: meta.commitSha,
    pullRequest: meta.pullRequest,
    workingDirectory: meta.workingDirectory,
    workspace: meta.workspace,
    tool: meta.tool,
    toolVersion: meta.toolVersion,
    runId: meta.runId,
    runAttempt: meta.runAttempt,
    repository: meta.repository,
    createdAt: meta.createdAt,
  };
}

async function readMetadata(dir: string): Promise<PlanBundleMetadata> {
  const file = path.join(dir, PLAN_BUNDLE_FILES.metadata);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ActionError(
      `The plan bundle in ${dir} has no ${PLAN_BUNDLE_FILES.metadata}: it is not a plan bundle, or it was tampered with.`,
      'plan-tampered',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const record = isRecord(value) ? value : {};
  if (typeof record.formatVersion === 'number' && record.formatVersion !== PLAN_BUNDLE_FORMAT_VERSION) {
    const age = record.formatVersion > PLAN_BUNDLE_FORMAT_VERSION ? 'newer' : 'older';
    throw new ActionError(
      `The plan bundle has format version ${record.formatVersion}, ${age} than this version of iac-actions reads (${PLAN_BUNDLE_FORMAT_VERSION}). Use the same iac-actions version for tf-plan and tf-apply, and plan again.`,
      'plan-bundle-unsupported',
    );
  }
  const problem = metadataProblem(value);
  if (problem) {
    throw new ActionError(`The plan bundle's ${PLAN_BUNDLE_FILES.metadata} is malformed: ${problem}.`, 'plan-tampered');
  }
  return value as PlanBundleMetadata;
}

const STRING_FIELDS = [
  'planDigest',
  'commitSha',
  'workingDirectory',
  'workspace',
  'toolVersion',
  'repository',
  'createdAt',
] as const;

// What makes metadata.json usable; undefined when it is. Hand-written: the
// shape is small, and the suite has no schema library.
function metadataProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'it is not a JSON object';
  if (value.formatVersion !== PLAN_BUNDLE_FORMAT_VERSION) return `formatVersion is not ${PLAN_BUNDLE_FORMAT_VERSION}`;
  for (const field of STRING_FIELDS) if (typeof value[field] !== 'string') return `${field} is not a string`;
  if (value.tool !== 'terraform' && value.tool !== 'tofu') return `tool is not 'terraform' or 'tofu'`;
  if (!Number.isInteger(value.runId) || !Number.isInteger(value.runAttempt))
    return 'runId or runAttempt is not a number';
  if (value.pullRequest !== null && !Number.isInteger(value.pullRequest)) return 'pullRequest is not a number or null';
  if (typeof value.encrypted !== 'boolean') return 'encrypted is not a boolean';
  if (!isRecord(value.files)) return 'files is not an object';
  const expected = Object.values(storedNames(value.encrypted)).sort();
  const listed = Object.keys(value.files).sort();
  // Only the known names: a listed `../x` would be read outside the bundle.
  if (listed.join('\n') !== expected.join('\n')) {
    return `files lists ${listed.join(', ') || 'nothing'}, not ${expected.join(', ')}`;
  }
  for (const [name, entry] of Object.entries(value.files)) {
    if (!isRecord(entry) || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      return `the SHA-256 of ${name} is not 64 hex digits`;
    }
  }
  const auth = value.authentication;
  if (auth !== undefined) {
    if (
      !isRecord(auth) ||
      auth.algorithm !== MAC_ALGORITHM ||
      typeof auth.salt !== 'string' ||
      typeof auth.keyCheck !== 'string' ||
      typeof auth.mac !== 'string'
    ) {
      return `authentication is not a ${MAC_ALGORITHM} MAC`;
    }
  }
  return undefined;
}
