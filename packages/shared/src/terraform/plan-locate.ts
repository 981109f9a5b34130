import * as core from '../action/runner-commands.ts';
import { ActionError } from '../action/action-error.ts';
import { resolvePathInput, runnerTempRoot } from '../action/inputs.ts';
import type { GitHubClient } from '../github/octokit.ts';
import { downloadPlanBundle, findPlanArtifactRun } from '../github/plan-artifact.ts';
import type { RunContext } from '../github/run-context.ts';

// Where tf-apply finds the plan bundle, in this order: a directory the
// workflow fetched (`plan-dir`); the artifact of the run named by
// `plan-run-id`; the artifact of this run (the gated apply job after the plan
// job); the artifact of the pull request's plan run, when the commit being
// applied merged a pull request. With an artifact comes the commit of the run
// that uploaded it, as GitHub knows it: the plan's commit, whatever the
// bundle's metadata.json says.

export interface LocatePlanOptions {
  /** The plan's artifact name. */
  name: string;
  planDir: string;
  planRunId: number | undefined;
  context: Pick<RunContext, 'workspaceRoot' | 'repository' | 'owner' | 'repo' | 'commitSha'>;
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
  /** The run that uploaded the artifact, from GitHub: undefined for a `plan-dir` bundle, whose origin is unknown. */
  run?: PlanRun;
}

export interface PlanRun {
  /** The commit the run ran for (its `head_sha`; this run's: the commit being applied). */
  headSha: string;
  /** `owner/name` of the run. */
  repository: string;
  /** For people: `this run`, `run 123`. */
  name: string;
}

export async function locatePlanBundle(options: LocatePlanOptions): Promise<LocatedPlan> {
  const { name, context } = options;
  if (options.planDir) {
    // Inside the repository or RUNNER_TEMP, where a workflow fetches a bundle to.
    const dir = resolvePathInput('plan-dir', options.planDir, 'directory', [
      { dir: context.workspaceRoot, label: 'the repository (GITHUB_WORKSPACE)' },
      runnerTempRoot(),
    ]);
    core.info(`Using the plan bundle in ${options.planDir}.`);
    return { dir, from: `directory \`${options.planDir}\`` };
  }
  const fromRun = async (runId: number, why: string, headSha?: string) => {
    const run = { headSha: headSha ?? (await runHeadSha(options, runId)), repository: context.repository };
    core.info(`Downloading artifact '${name}' of run ${runId} (${why}).`);
    const dir = await downloadPlanBundle({
      name,
      destination: options.destination,
      runId,
      repository: context.repository,
      token: options.token,
    });
    return { dir, from: `artifact \`${name}\` of run ${runId}`, run: { ...run, name: `run ${runId}` } };
  };
  if (options.planRunId !== undefined) return fromRun(options.planRunId, 'plan-run-id');

  try {
    core.info(`Downloading artifact '${name}' of this run.`);
    const dir = await downloadPlanBundle({ name, destination: options.destination });
    const run = { headSha: context.commitSha, repository: context.repository, name: 'this run' };
    return { dir, from: `artifact \`${name}\` of this run`, run };
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
    // Found among the runs of that head: GitHub's own record of the commit.
    return fromRun(runId, `the plan run of #${pull.number}`, pull.headSha);
  }
}

/** The commit a run ran for, from the REST API. */
async function runHeadSha(options: LocatePlanOptions, runId: number): Promise<string> {
  const { context, octokit } = options;
  if (!octokit) {
    throw new ActionError(
      `The plan of run ${runId} cannot be fetched without a token: set \`github-token\` (with \`actions: read\`).`,
      'artifact-not-found',
    );
  }
  try {
    const { data } = await octokit.rest.actions.getWorkflowRun({
      owner: context.owner,
      repo: context.repo,
      run_id: runId,
    });
    core.info(`Run ${runId} ran for commit ${data.head_sha}.`);
    return data.head_sha;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status !== 'number') throw error;
    throw new ActionError(
      status === 404
        ? `Workflow run ${runId} of ${context.repository} was not found, or the token cannot see it. Check \`plan-run-id\`.`
        : `GitHub refused to show workflow run ${runId} (HTTP ${status}). Give the job \`permissions: actions: read\`.`,
      status === 404 ? 'artifact-not-found' : 'github-api-failed',
      { cause: error },
    );
  }
}
