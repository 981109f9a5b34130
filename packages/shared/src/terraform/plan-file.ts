import { createHash } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
// A saved plan is a zip, its `tfplan` entry a protobuf message. Two small,
// dependency-free libraries read them: fflate (8 kB) unzips from memory, and
// @bufbuild/protobuf's wire reader walks the message without a schema, so
// that only the few fields needed are read, whatever else a version adds.
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { unzipSync } from 'fflate';
import { ActionError } from '../action/action-error.ts';
import type { PlanTool } from './plan-bundle.ts';

// What a saved plan (`terraform plan -out`) records about itself, read from
// its own bytes rather than from anything written beside it: the workspace
// and backend it was made in (Terraform applies a saved plan to ITS
// workspace, whatever workspace is selected), the version that made it, when
// it was made, and the snapshot of the configuration it was made from. A
// plan file is a zip of `tfplan` (the plan, protobuf), `tfstate`,
// `tfstate-prev`, `tfconfig/modules.json` and `tfconfig/m-<module key>/<file>`
// (each module's .tf and .tf.json files as they were read), and the lock file.

export interface SavedPlan {
  /** The backend type (`local`, `s3`, ...); undefined when the plan records none. */
  backend?: string;
  /** The workspace the plan is for; undefined when the plan records no backend. */
  workspace?: string;
  /** The version of Terraform or OpenTofu that made it. */
  version?: string;
  /** When it was made (RFC 3339; Terraform ≥ 1.5, OpenTofu). */
  timestamp?: string;
  /** The configuration snapshot, one entry per module call (the root module's key is ''). */
  modules: SnapshotModule[];
}

export interface SnapshotModule {
  /** The module's key: '' for the root, `a.b` for module b called by module a. */
  key: string;
  /** Its `source` as written in the module call; none for the root module. */
  source?: string;
  /** Its directory relative to the root module, as Terraform recorded it (`.`, `../modules/x`, `.terraform/modules/a`). */
  dir: string;
  /** Its configuration files by name, each with the SHA-256 (hex) of its bytes. */
  files: Record<string, string>;
}

// Field numbers of Terraform's planproto (internal/plans/planproto/planfile.proto), stable since 0.12.
const PLAN_FIELD = { backend: 13, terraformVersion: 14, timestamp: 21 } as const;
const BACKEND_FIELD = { type: 1, workspace: 3 } as const;

// Generous bounds for what is unpacked: a zip from an artifact is untrusted.
const MAX_PLAN_BYTES = 512 * 1024 * 1024;
const MAX_CONFIG_FILE_BYTES = 64 * 1024 * 1024;

/** Whether the bytes are a zip (a local file header first), the format of every Terraform and OpenTofu plan file. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * What a saved plan says about itself. Undefined when the file cannot be
 * unzipped (not a plan Terraform makes locally: a plan of another format,
 * such as an OpenTofu-encrypted plan, cannot be read). Throws ActionError
 * `plan-tampered` when it is a zip but not a plan.
 */
export function readSavedPlan(bytes: Uint8Array): SavedPlan | undefined {
  if (!isZip(bytes)) return undefined;
  let entries: Record<string, Uint8Array>;
  try {
    // Only the plan and the configuration: the state entries hold every secret and are not needed.
    entries = unzipSync(bytes, {
      filter: (file) =>
        (file.name === 'tfplan' && file.originalSize <= MAX_PLAN_BYTES) ||
        (file.name.startsWith('tfconfig/') && file.originalSize <= MAX_CONFIG_FILE_BYTES),
    });
  } catch {
    // Not a zip after all: no plan Terraform can apply either, which `show` after init will say.
    return undefined;
  }
  const tfplan = entries.tfplan;
  if (!tfplan) throw damaged('it has no `tfplan` entry');
  return { ...readPlanMessage(tfplan), modules: readSnapshot(entries) };
}

function readPlanMessage(bytes: Uint8Array): Omit<SavedPlan, 'modules'> {
  const plan: Omit<SavedPlan, 'modules'> = {};
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === PLAN_FIELD.backend && wireType === WireType.LengthDelimited) {
        Object.assign(plan, readBackend(reader.bytes()));
      } else if (field === PLAN_FIELD.terraformVersion && wireType === WireType.LengthDelimited) {
        plan.version = reader.string();
      } else if (field === PLAN_FIELD.timestamp && wireType === WireType.LengthDelimited) {
        plan.timestamp = reader.string();
      } else {
        reader.skip(wireType, field);
      }
    }
  } catch (error) {
    throw damaged(`its \`tfplan\` entry is not a plan (${error instanceof Error ? error.message : String(error)})`);
  }
  return plan;
}

function readBackend(bytes: Uint8Array): { backend?: string; workspace?: string } {
  const backend: { backend?: string; workspace?: string } = {};
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === BACKEND_FIELD.type && wireType === WireType.LengthDelimited) backend.backend = reader.string();
    else if (field === BACKEND_FIELD.workspace && wireType === WireType.LengthDelimited)
      backend.workspace = reader.string();
    else reader.skip(wireType, field);
  }
  return backend;
}

function readSnapshot(entries: Record<string, Uint8Array>): SnapshotModule[] {
  const index = entries['tfconfig/modules.json'];
  if (!index) throw damaged('it has no configuration snapshot (`tfconfig/modules.json`)');
  let records: unknown;
  try {
    records = JSON.parse(Buffer.from(index).toString('utf8'));
  } catch {
    records = undefined;
  }
  if (!Array.isArray(records)) throw damaged('its `tfconfig/modules.json` is not a list of modules');
  return records.map((record: unknown) => {
    const { Key: key, Dir: dir, Source: source } = (record ?? {}) as { Key?: unknown; Dir?: unknown; Source?: unknown };
    if (typeof key !== 'string' || typeof dir !== 'string' || (source !== undefined && typeof source !== 'string')) {
      throw damaged('its `tfconfig/modules.json` lists a module without Key and Dir');
    }
    const prefix = `tfconfig/m-${key}/`;
    const files: Record<string, string> = {};
    for (const [name, content] of Object.entries(entries)) {
      if (name.startsWith(prefix) && name.length > prefix.length) files[name.slice(prefix.length)] = sha256(content);
    }
    return { key, ...(source !== undefined ? { source } : {}), dir, files };
  });
}

function damaged(why: string): ActionError {
  return new ActionError(
    `The saved plan in the bundle is not a plan file Terraform wrote: ${why}. It was altered or replaced: plan again.`,
    'plan-tampered',
  );
}

/**
 * The modules whose files live in the checkout: the root module, and modules
 * called with a local path (`./x`, `../x`) from a module that lives there.
 * The others (registry, git, ...) are what `init` downloads.
 */
export function localModules(modules: readonly SnapshotModule[]): SnapshotModule[] {
  const byKey = new Map(modules.map((module) => [module.key, module]));
  const isLocal = (key: string, depth = 0): boolean => {
    if (key === '') return true;
    const module = byKey.get(key);
    if (!module || depth > 100 || !/^\.\.?[\\/]/.test(module.source ?? '')) return false;
    return isLocal(key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '', depth + 1);
  };
  return modules.filter((module) => isLocal(module.key));
}

/**
 * The configuration files of a module directory as Terraform (or OpenTofu)
 * reads them, by name with their SHA-256: `.tf` and `.tf.json` (OpenTofu
 * also `.tofu` and `.tofu.json`, which replace a `.tf` file of the same
 * name), not the files Terraform ignores (hidden, editor backups).
 */
export async function readModuleFiles(dir: string, tool: PlanTool): Promise<Record<string, string>> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => !entry.isDirectory() && isConfigFile(entry.name, tool))
    .map((entry) => entry.name);
  const chosen = names.filter((name) => {
    if (tool !== 'tofu') return true;
    const twin = name.replace(/\.tf(\.json)?$/, '.tofu$1');
    return twin === name || !names.includes(twin);
  });
  const files: Record<string, string> = {};
  for (const name of chosen) files[name] = sha256(await readFile(path.join(dir, name)));
  return files;
}

function isConfigFile(name: string, tool: PlanTool): boolean {
  if (name.startsWith('.') || name.endsWith('~') || (name.startsWith('#') && name.endsWith('#'))) return false;
  const extensions = tool === 'tofu' ? ['.tf', '.tf.json', '.tofu', '.tofu.json'] : ['.tf', '.tf.json'];
  return extensions.some((extension) => name.endsWith(extension));
}

export interface ConfigComparison {
  /** What differs, one sentence each, at most a few; empty when the checkout has the plan's configuration. */
  differences: string[];
  /** Modules compared (local ones), and skipped (downloaded by init, not in the checkout). */
  compared: number;
  skipped: number;
}

/**
 * Compares the plan's configuration snapshot with the checkout: each local
 * module's files in the plan against its directory under `stackDir` (which
 * must stay inside `root`, the repository). A plan made from another commit
 * or directory differs.
 */
export async function compareWithCheckout(
  modules: readonly SnapshotModule[],
  options: { stackDir: string; root: string; tool: PlanTool },
): Promise<ConfigComparison> {
  const root = await realpath(options.root).catch(() => path.resolve(options.root));
  const differences: string[] = [];
  const local = localModules(modules);
  for (const module of local) {
    const where = module.key ? `module \`${module.key}\` (\`${module.dir}\`)` : 'the root module';
    const dir = path.resolve(options.stackDir, module.dir);
    const real = await realpath(dir).catch(() => undefined);
    if (!real) {
      differences.push(`${where}: the directory is not in the checkout.`);
      continue;
    }
    if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
      differences.push(`${where}: the directory is outside the repository.`);
      continue;
    }
    differences.push(...fileDifferences(where, module.files, await readModuleFiles(real, options.tool)));
  }
  return { differences, compared: local.length, skipped: modules.length - local.length };
}

/** What differs between a module's files in the plan and in the checkout. Pure. */
export function fileDifferences(
  where: string,
  planned: Record<string, string>,
  checkout: Record<string, string>,
): string[] {
  const out: string[] = [];
  for (const [name, hash] of Object.entries(planned)) {
    if (!(name in checkout)) out.push(`${where}: \`${name}\` is in the plan, not in the checkout.`);
    else if (checkout[name] !== hash) out.push(`${where}: \`${name}\` differs.`);
  }
  for (const name of Object.keys(checkout)) {
    if (!(name in planned)) out.push(`${where}: \`${name}\` is in the checkout, not in the plan.`);
  }
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
