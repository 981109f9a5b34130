import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../action/runner-commands.ts';
import { stateBackupArtifactName, uploadPlanBundle, type PlanArtifactNameParts } from '../github/plan-artifact.ts';
import type { RunContext } from '../github/run-context.ts';
import { encrypt } from '../util/encryption.ts';
import type { TerraformCli } from './cli.ts';

// The state as it was before an apply, kept as an artifact: the restore point
// of a rollback (`terraform state push` of it), and a record of what the
// apply started from. The state holds every secret of the stack in clear, so
// it is encrypted with the plan key when one is set.

export interface StateBackupOptions {
  /** The stack: the backup's artifact name is derived from it, as the plan's is. */
  stack: PlanArtifactNameParts;
  context: Pick<RunContext, 'runId' | 'runAttempt'>;
  /** An empty directory under RUNNER_TEMP to write the backup into. */
  dir: string;
  encryptionKey: string;
}

/** Pulls the state and uploads it; returns the artifact name, or undefined when there is no state yet. */
export async function backupState(cli: TerraformCli, options: StateBackupOptions): Promise<string | undefined> {
  const state = await cli.statePull();
  if (!state.trim()) {
    core.info('No state yet (first apply): nothing to back up.');
    return undefined;
  }
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const bytes = Buffer.from(state, 'utf8');
  const [file, content] = options.encryptionKey
    ? ['terraform.tfstate.enc', await encrypt(bytes, options.encryptionKey)]
    : ['terraform.tfstate', bytes];
  await writeFile(path.join(options.dir, file), content, { mode: 0o600 });
  if (!options.encryptionKey) {
    core.warning(
      'The state backup artifact holds the state unencrypted, with every secret of the stack. Set `plan-encryption-key` to encrypt it.',
    );
  }
  const name = stateBackupArtifactName(options.stack, options.context.runId, options.context.runAttempt);
  await uploadPlanBundle(name, options.dir, { overwrite: true, what: 'the state backup' });
  core.info(`Saved the state before the apply as artifact '${name}'${options.encryptionKey ? ' (encrypted)' : ''}.`);
  return name;
}
