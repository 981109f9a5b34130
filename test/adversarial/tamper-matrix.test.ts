import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decrypt } from '@iac-actions/shared/util/encryption.ts';
import { REAL_TERRAFORM, skipWithoutRealTerraform } from '../e2e/real-terraform.ts';
import { REPOSITORY, startTerraformWorld, type TerraformWorld } from '../e2e/terraform-setup.ts';
import {
  artifactName,
  checkout,
  copyBundle,
  loggingTerraform,
  pushEvent,
  readMetadata,
  recomputeHashes,
  renameFile,
  rewriteMetadata,
  sameRunJob,
  STACK,
  swapFile,
  terraformCalls,
  upload,
  writeMetadata,
} from './tamper/bundle-lab.ts';
import { agreeWith, disguisedPlan, KEY, makeSources, resignedBundle, type Sources } from './tamper/sources.ts';

// The tamper matrix of tf-apply: plan bundles made by tf-plan with the real
// terraform, changed as someone who can write the artifact would change them,
// each applied by the committed tf-apply bundle through the harness, against
// the GitHub API and artifact service fakes. Every change is refused with its
// failure reason, and `apply` never runs: a logging `terraform` first on PATH
// records every command. A refusal that needs no Terraform comes before any
// command at all; one that needs `show -json` of the plan file comes after
// `init` and before `apply`.

type Base = Exclude<keyof Sources, 'digest' | 'evilVarsDigest'>;

interface TamperCase {
  name: string;
  /** The bundle it starts from. */
  base: Base;
  /** The attacker's change to a copy of it. */
  mutate?: (dir: string, sources: Sources) => Promise<void>;
  /** A whole bundle of the attacker's making instead of a changed copy. */
  build?: (sources: Sources) => Promise<string>;
  /** tf-apply's inputs; default: the reviewed digest (clear bundles) or the key (encrypted ones). */
  inputs?: (sources: Sources) => Record<string, string>;
  /** The reviewed bundle was uploaded by the plan job, and this one replaced it (overwrite) from another job of the run. */
  overwrites?: boolean;
  reason: string;
  message: RegExp;
  /** `none`: refused before any terraform command; `init`: after init and show, before apply. */
  ran: 'none' | 'init';
}

const withDigest = (s: Sources) => ({ 'plan-digest': s.digest });
const withKey = () => ({ 'plan-encryption-key': KEY });
const keyed = (base: Base) => base.endsWith('Key');

/** Each metadata field rewritten: what a clear bundle's checks say, and with a key, its MAC. */
const FIELDS: { field: string; value: () => unknown; reason: string; message: RegExp }[] = [
  {
    field: 'commitSha',
    value: () => 'f'.repeat(40),
    reason: 'plan-tampered',
    message: /records commit `fffffff`, and this run ran for `5eed000`/,
  },
  {
    field: 'workspace',
    value: () => 'staging',
    reason: 'plan-tampered',
    message: /records workspace `staging`, and the saved plan is for workspace `default`/,
  },
  {
    field: 'workingDirectory',
    value: () => 'infra/other',
    reason: 'plan-mismatch',
    message: /working directory `infra\/other`, not `stack`/,
  },
  {
    field: 'createdAt',
    value: () => new Date(Date.now() + 3600_000).toISOString(),
    reason: 'plan-tampered',
    message: /records the plan made at .*, and the saved plan was made at/,
  },
  {
    field: 'planDigest',
    value: () => 'e'.repeat(64),
    reason: 'plan-tampered',
    message: /records digest `eeeeeeeeeeee`, and plan\.json has/,
  },
  {
    field: 'repository',
    value: () => 'mallory/infra',
    reason: 'plan-tampered',
    message: /records repository mallory\/infra, and this run is in octo-org\/infra/,
  },
  { field: 'tool', value: () => 'tofu', reason: 'plan-mismatch', message: /tool tofu, not terraform/ },
  {
    field: 'toolVersion',
    value: () => '1.0.0',
    reason: 'plan-tampered',
    message: /records version 1\.0\.0, and the saved plan was made by \d/,
  },
];

const CASES: TamperCase[] = [
  // The binary plan swapped for another plan of the same stack, metadata made to agree, hashes recomputed.
  {
    name: 'plan file swapped for a plan whose configuration adds a resource',
    base: 'reviewed',
    mutate: async (dir, s) => {
      await swapFile(s.evilConfig, dir, 'plan.tfplan');
      await agreeWith(dir, s.evilConfig);
    },
    reason: 'plan-stale',
    message: /other configuration than this checkout's `stack`: the root module: `main\.tf` differs/,
    ran: 'none',
  },
  {
    name: 'plan file swapped for that plan with its configuration snapshot disguised as the reviewed one',
    base: 'reviewed',
    mutate: async (dir, s) => {
      await disguisedPlan(path.join(s.evilConfig, 'plan.tfplan'), path.join(dir, 'plan.tfplan'));
      await agreeWith(dir, s.evilConfig);
    },
    reason: 'plan-changed',
    message: /The plan file is not the plan that was reviewed: `terraform show -json` of it gives digest/,
    ran: 'init',
  },
  {
    name: 'plan file swapped for a plan of the same configuration with other variables',
    base: 'reviewed',
    mutate: async (dir, s) => {
      await swapFile(s.evilVars, dir, 'plan.tfplan');
      await agreeWith(dir, s.evilVars);
    },
    reason: 'plan-changed',
    message: /The plan file is not the plan that was reviewed/,
    ran: 'init',
  },
  {
    name: 'encrypted plan file swapped for another encrypted with the same key, hashes recomputed',
    base: 'reviewedKey',
    mutate: async (dir, s) => {
      await swapFile(s.evilVarsKey, dir, 'plan.tfplan.enc');
      await agreeWith(dir, s.evilVarsKey);
    },
    reason: 'plan-tampered',
    message: /fails its authentication/,
    ran: 'none',
  },
  {
    name: 'encrypted plan file of the added-resource configuration swapped in, hashes recomputed',
    base: 'reviewedKey',
    mutate: async (dir, s) => {
      await swapFile(s.evilConfigKey, dir, 'plan.tfplan.enc');
      await recomputeHashes(dir);
    },
    reason: 'plan-tampered',
    message: /fails its authentication/,
    ran: 'none',
  },
  {
    name: 'bundle re-made around another plan file by someone holding the key (valid MAC)',
    base: 'reviewedKey',
    build: (s) => resignedBundle(world, s),
    reason: 'plan-changed',
    message: /The plan file is not the plan that was reviewed.*the authenticated plan bundle/,
    ran: 'init',
  },
  {
    name: 'bundle re-made around another plan file with the key, and plan-digest given',
    base: 'reviewedKey',
    build: (s) => resignedBundle(world, s),
    inputs: (s) => ({ ...withKey(), ...withDigest(s) }),
    reason: 'plan-changed',
    message: /The plan file is not the plan that was reviewed.*the plan-digest input approved/,
    ran: 'init',
  },
  // plan.json edited.
  {
    name: 'plan.json replaced, hashes recomputed',
    base: 'reviewed',
    mutate: async (dir, s) => {
      await swapFile(s.evilVars, dir, 'plan.json');
      await recomputeHashes(dir);
    },
    reason: 'plan-tampered',
    message: /records digest `[0-9a-f]{12}`, and plan\.json has `[0-9a-f]{12}`/,
    ran: 'none',
  },
  {
    name: 'plan.json replaced, its digest written into metadata.json, hashes recomputed',
    base: 'reviewed',
    mutate: async (dir, s) => {
      await swapFile(s.evilVars, dir, 'plan.json');
      await rewriteMetadata(dir, { planDigest: s.evilVarsDigest });
      await recomputeHashes(dir);
    },
    reason: 'plan-changed',
    message: /the plan-digest input approved plan `[0-9a-f]{12}`, and the artifact holds plan/,
    ran: 'none',
  },
  {
    name: 'encrypted plan.json swapped for another encrypted with the same key, hashes recomputed',
    base: 'reviewedKey',
    mutate: async (dir, s) => {
      await swapFile(s.evilVarsKey, dir, 'plan.json.enc');
      await recomputeHashes(dir);
    },
    reason: 'plan-tampered',
    message: /fails its authentication/,
    ran: 'none',
  },
  // Each field of metadata.json rewritten, in a clear bundle and in an authenticated one.
  ...FIELDS.flatMap(({ field, value, reason, message }): TamperCase[] => [
    {
      name: `metadata ${field} rewritten`,
      base: 'reviewed',
      mutate: (dir) => rewriteMetadata(dir, { [field]: value() }),
      reason,
      message,
      ran: 'none',
    },
    {
      name: `metadata ${field} rewritten, with a key`,
      base: 'reviewedKey',
      mutate: (dir) => rewriteMetadata(dir, { [field]: value() }),
      reason: 'plan-tampered',
      message: /fails its authentication/,
      ran: 'none',
    },
  ]),
  // Files added and removed.
  ...(['reviewed', 'reviewedKey'] as const).flatMap((base): TamperCase[] => [
    {
      name: `an extra file${keyed(base) ? ', with a key' : ''}`,
      base,
      mutate: (dir) => writeFile(path.join(dir, 'terraform.tfvars'), 'size = "huge"\n'),
      reason: 'plan-tampered',
      message: /terraform\.tfvars is not part of the plan bundle/,
      ran: 'none',
    },
    {
      name: `a missing file${keyed(base) ? ', with a key' : ''}`,
      base,
      mutate: (dir) => unlink(path.join(dir, 'plan.txt')),
      reason: 'plan-tampered',
      message: /plan\.txt is missing/,
      ran: 'none',
    },
  ]),
  // Keys.
  {
    name: 'wrong key',
    base: 'reviewedKey',
    inputs: () => ({ 'plan-encryption-key': 'not the key at all' }),
    reason: 'plan-decryption-failed',
    message: /the encryption key does not match/,
    ran: 'none',
  },
  {
    name: 'key set, bundle in clear (made without the key, or replaced)',
    base: 'reviewed',
    inputs: withKey,
    reason: 'plan-tampered',
    message: /`plan-encryption-key` is set, and the plan bundle is not encrypted/,
    ran: 'none',
  },
  {
    name: 'encrypted bundle downgraded to clear: decrypted, relabelled encrypted: false, MAC dropped',
    base: 'reviewedKey',
    mutate: async (dir) => {
      for (const name of ['plan.tfplan', 'plan.json']) {
        await writeFile(path.join(dir, name), await decrypt(await readFile(path.join(dir, `${name}.enc`)), KEY));
        await unlink(path.join(dir, `${name}.enc`));
      }
      const { authentication: _, files, ...metadata } = await readMetadata(dir);
      const clearFiles = Object.fromEntries(Object.entries(files).map(([n, h]) => [n.replace(/\.enc$/, ''), h]));
      await writeMetadata(dir, { ...metadata, files: clearFiles, encrypted: false });
      await recomputeHashes(dir);
    },
    reason: 'plan-tampered',
    message: /`plan-encryption-key` is set, and the plan bundle is not encrypted/,
    ran: 'none',
  },
  {
    name: 'encrypted bundle with its MAC removed',
    base: 'reviewedKey',
    mutate: async (dir) => {
      const { authentication: _, ...metadata } = await readMetadata(dir);
      await writeMetadata(dir, metadata as Awaited<ReturnType<typeof readMetadata>>);
    },
    reason: 'plan-tampered',
    message: /`plan-encryption-key` is set, and the plan bundle is not authenticated/,
    ran: 'none',
  },
  {
    name: 'a file renamed, with a key',
    base: 'reviewedKey',
    mutate: (dir) => renameFile(dir, 'plan.txt', 'plan.txt.bak'),
    reason: 'plan-tampered',
    message: /plan\.txt is missing/,
    ran: 'none',
  },
  // The run, the clock and the reviewers.
  {
    name: 'expired',
    base: 'reviewed',
    inputs: (s) => ({ ...withDigest(s), 'max-plan-age': '1ms' }),
    reason: 'plan-expired',
    message: /The plan expired: it was made .* ago/,
    ran: 'none',
  },
  {
    name: 'wrong digest (plan-digest input)',
    base: 'reviewed',
    inputs: () => ({ 'plan-digest': 'ab'.repeat(32) }),
    reason: 'plan-changed',
    message: /the plan-digest input approved plan `abababababab`/,
    ran: 'none',
  },
  {
    name: 'no reviewed digest: no plan-digest, no key, no pull request comment',
    base: 'reviewed',
    inputs: () => ({}),
    reason: 'plan-not-reviewed',
    message: /No reviewed digest is known for this plan/,
    ran: 'none',
  },
  {
    name: 'a staging-workspace plan relabelled `default`',
    base: 'staging',
    mutate: (dir) => rewriteMetadata(dir, { workspace: 'default' }),
    reason: 'plan-tampered',
    message: /records workspace `default`, and the saved plan is for workspace `staging`/,
    ran: 'none',
  },
  {
    name: 'artifact re-uploaded (overwrite) by another job of the run: a plan with other variables',
    base: 'evilVars',
    overwrites: true,
    reason: 'plan-changed',
    message: /the plan-digest input approved plan `[0-9a-f]{12}`, and the artifact holds plan/,
    ran: 'none',
  },
  {
    name: 'artifact re-uploaded (overwrite) by another job of the run, no plan-digest given',
    base: 'evilVars',
    overwrites: true,
    inputs: () => ({}),
    reason: 'plan-not-reviewed',
    message: /No reviewed digest is known for this plan/,
    ran: 'none',
  },
  {
    name: 'artifact re-uploaded (overwrite) by another job of the run: a plan that adds a resource',
    base: 'evilConfig',
    overwrites: true,
    reason: 'plan-stale',
    message: /other configuration than this checkout's `stack`/,
    ran: 'none',
  },
];

let world: TerraformWorld;
let sources: Sources;

/** tf-apply on a fresh checkout of the reviewed configuration, with the logging terraform first on PATH. */
async function applyBundle(options: { bundle: string; inputs: Record<string, string>; overwrites?: boolean }) {
  const workspace = await checkout(world);
  const planJob = world.artifacts.newJob();
  let applyJob = planJob;
  if (options.overwrites) {
    await upload(world, planJob, artifactName(), sources.reviewed);
    applyJob = sameRunJob(planJob);
  }
  await upload(world, applyJob, artifactName(), options.bundle);
  const wrapper = await loggingTerraform(await mkdtemp(path.join(world.dir, 'wrapper-')), realTerraformPath());
  const run = await world.run('tf-apply', {
    workspace,
    double: false,
    event: pushEvent(),
    env: { ...world.artifacts.env(sameRunJob(applyJob)), PATH: `${wrapper.bin}:${process.env.PATH}` },
    inputs: { tool: 'terraform', 'working-directory': STACK, ...options.inputs },
  });
  await run.cleanup();
  const calls = await terraformCalls(wrapper.log);
  const state = path.join(workspace, STACK, 'terraform.tfstate');
  const resources = existsSync(state)
    ? (JSON.parse(await readFile(state, 'utf8')) as { resources: { name: string }[] }).resources.map((r) => r.name)
    : [];
  await rm(workspace, { recursive: true, force: true });
  return { run, calls, resources };
}

let realPath: string | undefined;
function realTerraformPath(): string {
  realPath ??= execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
  return realPath;
}

describe.concurrent('tf-apply tamper matrix (real terraform)', { skip: skipWithoutRealTerraform }, () => {
  beforeAll(async () => {
    world = await startTerraformWorld();
    sources = await makeSources(world, REAL_TERRAFORM!.tool, REAL_TERRAFORM!.version);
  });
  afterAll(() => world?.close());

  it('the sources are what the matrix needs: two digests, the staging plan, encrypted twins', async () => {
    expect(sources.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(sources.evilVarsDigest).not.toBe(sources.digest);
    expect((await readMetadata(sources.staging)).workspace).toBe('staging');
    expect((await readMetadata(sources.reviewedKey)).encrypted).toBe(true);
    expect(REPOSITORY).toBe('octo-org/infra');
  });

  for (const tamper of CASES) {
    it(`refuses: ${tamper.name}`, async () => {
      let bundle: string;
      if (tamper.build) {
        bundle = await tamper.build(sources);
      } else {
        bundle = await copyBundle(world, sources[tamper.base]);
        await tamper.mutate?.(bundle, sources);
      }
      const inputs = tamper.inputs?.(sources) ?? (keyed(tamper.base) ? withKey() : withDigest(sources));
      const { run, calls, resources } = await applyBundle({
        bundle,
        inputs,
        ...(tamper.overwrites ? { overwrites: true } : {}),
      });
      const log = run.main.log;
      expect(run.main.exitCode, log).toBe(1);
      expect(run.main.outputs['failure-reason'], log).toBe(tamper.reason);
      expect(run.main.outputs.applied).toBe('false');
      expect(log).toMatch(tamper.message);
      expect(run.main.summary).toMatch(`Refused: nothing was applied** (\`${tamper.reason}\`)`);
      expect(log).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m); // no stack trace
      // The proof: what terraform ran.
      expect(
        calls.filter((c) => c.startsWith('apply')),
        calls.join('\n'),
      ).toEqual([]);
      if (tamper.ran === 'none') {
        expect(calls, 'refused before any terraform command').toEqual([]);
      } else {
        expect(
          calls.some((c) => c.startsWith('init')),
          calls.join('\n'),
        ).toBe(true);
        expect(
          calls.some((c) => c.startsWith('show -json')),
          calls.join('\n'),
        ).toBe(true);
      }
      expect(resources).toEqual([]);
    });
  }

  it('applies the untouched bundle, clear with the reviewed digest', async () => {
    const { run, calls, resources } = await applyBundle({ bundle: sources.reviewed, inputs: withDigest(sources) });
    expect(run.main.exitCode, run.main.log).toBe(0);
    expect(run.main.outputs['plan-digest']).toBe(sources.digest);
    expect(calls.filter((c) => c.startsWith('apply'))).toHaveLength(1);
    expect(resources).toEqual(['server']);
    expect(run.main.summary).toMatch(/Plan file digest/);
  });

  it('applies the untouched encrypted bundle with its key, authenticated', async () => {
    const { run, calls, resources } = await applyBundle({ bundle: sources.reviewedKey, inputs: withKey() });
    expect(run.main.exitCode, run.main.log).toBe(0);
    expect(run.main.summary).toMatch(/Authenticated/);
    expect(calls.filter((c) => c.startsWith('apply'))).toHaveLength(1);
    expect(resources).toEqual(['server']);
  });
});
