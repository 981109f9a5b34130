import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { writePlanBundle, type PlanBundleSource } from '@iac-actions/shared/terraform/plan-bundle.ts';
import { decrypt } from '@iac-actions/shared/util/encryption.ts';
import type { TerraformWorld } from '../../e2e/terraform-setup.ts';
import {
  artifactName,
  checkout,
  download,
  EVIL_TF,
  MAIN_TF,
  pushEvent,
  readMetadata,
  recomputeHashes,
  rewriteMetadata,
  STACK,
} from './bundle-lab.ts';

// The plan bundles the tamper matrix starts from, each made by the committed
// tf-plan bundle with the real terraform: the reviewed plan (clear and
// encrypted), and what an attacker brings — a plan of the same stack whose
// configuration adds `terraform_data.evil`, a plan of the same configuration
// with other variables, and a plan of the `staging` workspace.

export const KEY = 'tamper-matrix passphrase 0123456789';

export interface Sources {
  /** The reviewed plan: `size = small`, no key. */
  reviewed: string;
  reviewedKey: string;
  /** The configuration adds `terraform_data.evil`. */
  evilConfig: string;
  evilConfigKey: string;
  /** The same configuration, `size = huge`. */
  evilVars: string;
  evilVarsKey: string;
  /** The reviewed configuration and variables, in workspace `staging`. */
  staging: string;
  /** tf-plan's `plan-digest` of the reviewed plan, and of the other-variables plan. */
  digest: string;
  evilVarsDigest: string;
}

export async function makeSources(world: TerraformWorld, tool: string, version: string): Promise<Sources> {
  const plan = async (options: { config?: string; size?: string; key?: boolean; workspace?: string }) => {
    const workspace = await checkout(world, options.config);
    const job = world.artifacts.newJob();
    const run = await world.run('tf-plan', {
      workspace,
      double: false,
      event: pushEvent(),
      env: world.artifacts.env(job),
      inputs: {
        tool,
        version,
        'working-directory': STACK,
        variables: `size: ${options.size ?? 'small'}`,
        ...(options.workspace ? { workspace: options.workspace } : {}),
        ...(options.key ? { 'plan-encryption-key': KEY } : {}),
        comment: 'off',
      },
    });
    await run.cleanup();
    if (run.main.exitCode !== 0) throw new Error(`tf-plan failed:\n${run.main.log}`);
    const dir = await download(world, job, artifactName(options.workspace));
    return { dir, digest: run.main.outputs['plan-digest']! };
  };
  const [reviewed, reviewedKey, evilConfig, evilConfigKey, evilVars, evilVarsKey, staging] = await Promise.all([
    plan({}),
    plan({ key: true }),
    plan({ config: EVIL_TF }),
    plan({ config: EVIL_TF, key: true }),
    plan({ size: 'huge' }),
    plan({ size: 'huge', key: true }),
    plan({ workspace: 'staging' }),
  ]);
  return {
    reviewed: reviewed.dir,
    reviewedKey: reviewedKey.dir,
    evilConfig: evilConfig.dir,
    evilConfigKey: evilConfigKey.dir,
    evilVars: evilVars.dir,
    evilVarsKey: evilVarsKey.dir,
    staging: staging.dir,
    digest: reviewed.digest,
    evilVarsDigest: evilVars.digest,
  };
}

/**
 * After swapping in another plan file: metadata.json made to agree with it
 * (its timestamp) and every hash recomputed, so that nothing but the plan
 * itself can give the swap away.
 */
export async function agreeWith(dir: string, source: string): Promise<void> {
  await rewriteMetadata(dir, { createdAt: (await readMetadata(source)).createdAt });
  await recomputeHashes(dir);
}

/** The evil plan file with its configuration snapshot replaced by the reviewed configuration. */
export async function disguisedPlan(evilPlanFile: string, into: string): Promise<void> {
  const files = unzipSync(await readFile(evilPlanFile));
  files['tfconfig/m-/main.tf'] = Buffer.from(MAIN_TF);
  await writeFile(into, zipSync(files));
}

/**
 * A bundle made by someone who holds the key: the other-variables plan file
 * with the reviewed plan.json and text, authenticated anew with the key.
 */
export async function resignedBundle(world: TerraformWorld, sources: Sources): Promise<string> {
  const work = await mkdtemp(path.join(world.dir, 'resigned-'));
  const planFile = path.join(work, 'evil.tfplan');
  await writeFile(planFile, await decrypt(await readFile(path.join(sources.evilVarsKey, 'plan.tfplan.enc')), KEY));
  const reviewed = await readMetadata(sources.reviewedKey);
  const meta = {
    ...(reviewed as unknown as PlanBundleSource),
    createdAt: (await readMetadata(sources.evilVarsKey)).createdAt as string,
  };
  const dir = path.join(work, 'bundle');
  await writePlanBundle(dir, {
    planFile,
    jsonPlanText: await readFile(path.join(sources.reviewed, 'plan.json'), 'utf8'),
    textPlan: await readFile(path.join(sources.reviewed, 'plan.txt'), 'utf8'),
    meta,
    encryptionKey: KEY,
  });
  return dir;
}
