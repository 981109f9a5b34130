import { existsSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { ActionError } from '../action/action-error.ts';
import type { GitHubClient } from '../github/octokit.ts';
import { downloadPlanBundle, findPlanArtifactRun } from '../github/plan-artifact.ts';
import type { RunContext } from '../github/run-context.ts';

// Where tf-apply finds the plan bundle, in this order: a directory the
// workflow fetched (`plan-dir`); the artifact of the run named by
// `plan-run-id`; the artifact of this run (the gated apply job after the plan
// job); the artifact of the pull request's plan run, when the commit being
// applied merged a pull request.

export interface LocatePlanOptions {
  /** The plan's artifact name. */
  name: string;
  planDir: string;
  planRunId: number | undefined;
  context: Pick<RunContext, 'workspaceRoot' | 'repository' | 'owner' | 'repo'>;
  token: string;
  octokit: GitHubClient | undefined;
  mergedPullRequest: { number: number; headSha: string } | undefined;
  /** An empty directory to unpack a downloaded artifact into. */
  destination: string;
}

export interface LocatedPlan {
  dir: string;
  /** Where it was found, for people. */
  from: string;
}

export async function locatePlanBundle(options: LocatePlanOptions): Promise<LocatedPlan> {
  const { name, context } = options;
  if (options.planDir) {
    const dir = path.resolve(context.workspaceRoot, options.planDir);
    if (!existsSync(dir)) {
      throw new ActionError(
        `Input 'plan-dir' names ${options.planDir}, which does not exist. Fetch the plan bundle there first, or leave plan-dir empty to use the artifact.`,
        'invalid-input',
      );
    }
    core.info(`Using the plan bundle in ${options.planDir}.`);
    return { dir, from: `directory \`${options.planDir}\`` };
  }
  const fromRun = async (runId: number, why: string) => {
    core.info(`Downloading artifact '${name}' of run ${runId} (${why}).`);
    const dir = await downloadPlanBundle({
      name,
      destination: options.destination,
      runId,
      repository: context.repository,
      token: options.token,
    });
    return { dir, from: `artifact \`${name}\` of run ${runId}` };
  };
  if (options.planRunId !== undefined) return fromRun(options.planRunId, 'plan-run-id');

  try {
    core.info(`Downloading artifact '${name}' of this run.`);
    const dir = await downloadPlanBundle({ name, destination: options.destination });
    return { dir, from: `artifact \`${name}\` of this run` };
  } catch (error) {
    const pull = options.mergedPullRequest;
    if (!(error instanceof ActionError) || error.reason !== 'artifact-not-found' || !pull || !options.octokit) {
      throw error;
    }
    const runId = await findPlanArtifactRun(
      options.octokit,
      { owner: context.owner, repo: context.repo },
      name,
      pull.headSha,
    );
    if (runId === undefined) {
      throw new ActionError(
        `No plan artifact '${name}' in this run, nor in a run of #${pull.number}'s head \`${pull.headSha.slice(0, 7)}\`: it may have expired, or tf-plan did not run for this working directory, workspace and label. Plan again.`,
        'artifact-not-found',
        { cause: error },
      );
    }
    return fromRun(runId, `the plan run of #${pull.number}`);
  }
}
