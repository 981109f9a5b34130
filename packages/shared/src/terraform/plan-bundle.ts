import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError } from '../action/action-error.ts';
import { decryptFile, DecryptionError, encrypt, encryptFile } from '../util/encryption.ts';
import { isRecord } from '../util/values.ts';

// The plan bundle: what tf-plan hands to tf-apply through an artifact. A
// directory of the saved plan, its JSON and text renderings, and
// metadata.json, which records where the plan comes from and the SHA-256 of
// every file as stored, so that tf-apply applies exactly the reviewed plan or
// refuses. The binary plan and its JSON hold secrets (variables, sensitive
// values in clear): with a key they are stored encrypted. The text rendering
// is already masked by the caller and stays readable.
//
// The hashes catch a file altered, lost or added after the plan was made;
// they are not a signature (whoever can rewrite the artifact can rewrite
// metadata.json too). The artifact store's own access control covers that.

export const PLAN_BUNDLE_FORMAT_VERSION = 1;

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
}

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
  const metadata: PlanBundleMetadata = {
    formatVersion: PLAN_BUNDLE_FORMAT_VERSION,
    ...pickSource(input.meta),
    files,
    encrypted,
  };
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
  if (!key) {
    throw new ActionError(
      'The plan bundle is encrypted, and no encryption key was given: set the key that tf-plan encrypted it with.',
      'plan-decryption-failed',
    );
  }
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const out = { plan: path.join(outDir, PLAN_BUNDLE_FILES.plan), json: path.join(outDir, PLAN_BUNDLE_FILES.json) };
  try {
    await decryptFile(path.join(dir, names.plan), out.plan, key);
    await decryptFile(path.join(dir, names.json), out.json, key);
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
    // The hashes were checked before: an authentication failure here is the key.
    const why =
      error.failure === 'authentication-failed'
        ? 'the encryption key does not match the key tf-plan encrypted it with. Set the same key for tf-plan and tf-apply'
        : error.message;
    throw new ActionError(`The plan bundle could not be decrypted: ${why}.`, 'plan-decryption-failed', {
      cause: error,
    });
  }
  return out;
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
  if (typeof record.formatVersion === 'number' && record.formatVersion > PLAN_BUNDLE_FORMAT_VERSION) {
    throw new ActionError(
      `The plan bundle has format version ${record.formatVersion}, newer than this version of iac-actions reads (${PLAN_BUNDLE_FORMAT_VERSION}). Use the same iac-actions version for tf-plan and tf-apply.`,
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
  return undefined;
}
