import { createHash, randomUUID } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { downloadPlanBundle, planArtifactName, uploadPlanBundle } from '@iac-actions/shared/github/plan-artifact.ts';
import type { ArtifactJob } from '../../fakes/artifact-service.ts';
import { webhookPayload } from '../../harness/webhooks.ts';
import type { ActionEvent } from '../../harness/run-action.ts';
import type { TerraformWorld } from '../../e2e/terraform-setup.ts';

// The attacker's workbench for the tamper matrix: real plan bundles made by
// the committed tf-plan bundle with the real terraform, opened up, changed
// as someone who can write the artifact would (hashes in metadata.json
// recomputed), and put back as the artifact tf-apply finds; and a logging
// `terraform` first on PATH that proves which commands ran.

export const STACK = 'stack';
export const SHA = '5eed000000000000000000000000000000000c01';

/** The reviewed configuration: one resource. */
export const MAIN_TF = `variable "size" {
  type = string
}

resource "terraform_data" "server" {
  input = var.size
}
`;

/** The attacker's configuration: one resource more. */
export const EVIL_TF = `${MAIN_TF}
resource "terraform_data" "evil" {
  input = "pwned"
}
`;

export function pushEvent(sha = SHA): ActionEvent {
  const payload = webhookPayload('push');
  Object.assign(payload, { after: sha, ref: 'refs/heads/main' });
  return { name: 'push', payload };
}

/** A checkout holding the stack with this configuration. */
export async function checkout(world: TerraformWorld, config = MAIN_TF): Promise<string> {
  const dir = await mkdtemp(path.join(world.dir, 'checkout-'));
  await mkdir(path.join(dir, STACK));
  await writeFile(path.join(dir, STACK, 'main.tf'), config);
  return dir;
}

/** The artifact name tf-plan and tf-apply use for the stack in a workspace. */
export const artifactName = (workspace = 'default') => planArtifactName({ workingDirectory: STACK, workspace });

/** Another job of the same workflow run: its uploads land in the same run. */
export function sameRunJob(job: ArtifactJob): ArtifactJob {
  return { ...job, workflowJobRunBackendId: randomUUID() };
}

// @actions/artifact reads the job's environment when called: one call at a time.
let artifactQueue: Promise<unknown> = Promise.resolve();
async function asJob<T>(world: TerraformWorld, job: ArtifactJob, run: () => Promise<T>): Promise<T> {
  const result = artifactQueue.then(async () => {
    const vars: Record<string, string> = { ...world.artifacts.env(job) };
    const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    const server = process.env.GITHUB_SERVER_URL;
    Object.assign(process.env, vars);
    delete process.env.GITHUB_SERVER_URL;
    try {
      return await run();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
      if (server !== undefined) process.env.GITHUB_SERVER_URL = server;
    }
  });
  artifactQueue = result.catch(() => undefined);
  return result;
}

/** The job's artifact, as a workflow step would fetch it, into a new directory. */
export async function download(world: TerraformWorld, job: ArtifactJob, name: string): Promise<string> {
  const destination = await mkdtemp(path.join(world.dir, 'bundle-'));
  await asJob(world, job, () => downloadPlanBundle({ name, destination }));
  return destination;
}

/** Uploads a bundle directory as the job's artifact `name`, replacing one of that name in the run. */
export async function upload(world: TerraformWorld, job: ArtifactJob, name: string, dir: string): Promise<void> {
  await asJob(world, job, () => uploadPlanBundle(name, dir, { overwrite: true }));
}

/** A copy of a bundle directory to change. */
export async function copyBundle(world: TerraformWorld, dir: string): Promise<string> {
  const copy = await mkdtemp(path.join(world.dir, 'tampered-'));
  await cp(dir, copy, { recursive: true });
  return copy;
}

export type Metadata = Record<string, unknown> & { files: Record<string, { sha256: string }> };

export async function readMetadata(dir: string): Promise<Metadata> {
  return JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8')) as Metadata;
}

export async function writeMetadata(dir: string, metadata: Metadata): Promise<void> {
  await writeFile(path.join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
}

/** Rewrites fields of metadata.json (the MAC, if any, left as it was). */
export async function rewriteMetadata(dir: string, change: Record<string, unknown>): Promise<void> {
  await writeMetadata(dir, { ...(await readMetadata(dir)), ...change });
}

/** What an attacker does after changing files: every listed file's SHA-256 recomputed. */
export async function recomputeHashes(dir: string): Promise<void> {
  const metadata = await readMetadata(dir);
  for (const name of Object.keys(metadata.files)) {
    metadata.files[name] = {
      sha256: createHash('sha256')
        .update(await readFile(path.join(dir, name)))
        .digest('hex'),
    };
  }
  await writeMetadata(dir, metadata);
}

/** Copies file `name` of bundle `from` over the same file of `to`. */
export async function swapFile(from: string, to: string, name: string): Promise<void> {
  await cp(path.join(from, name), path.join(to, name));
}

/** Renames a file of the bundle (e.g. an `.enc` file to its clear name). */
export async function renameFile(dir: string, from: string, to: string): Promise<void> {
  await rename(path.join(dir, from), path.join(dir, to));
}

export async function bundleFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/**
 * A `terraform` first on PATH that appends each command line to `log`, then
 * runs the real binary: the proof of what tf-apply ran, and that `apply` never did.
 */
export async function loggingTerraform(dir: string, realBinary: string): Promise<{ bin: string; log: string }> {
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'terraform-calls.log');
  await mkdir(bin, { recursive: true });
  await writeFile(log, '');
  const script = `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realBinary}' "$@"\n`;
  await writeFile(path.join(bin, 'terraform'), script);
  await chmod(path.join(bin, 'terraform'), 0o755);
  return { bin, log };
}

/** The subcommands the logging terraform ran, in order (`init`, `show`, `apply`, ...). */
export async function terraformCalls(log: string): Promise<string[]> {
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}
