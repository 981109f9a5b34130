import { createHash } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact, FindOptions } from '@actions/artifact';
import { ActionError } from '../action/action-error.ts';
import type { GitHubClient } from './octokit.ts';

// @actions/artifact, with the Azure storage SDK, is most of a Terraform bundle
// and only needed when a plan is stored or fetched: loaded then, not at start.
const loadArtifact = () => import('@actions/artifact');

// Plan bundles travel from tf-plan to tf-apply as workflow artifacts, through
// @actions/artifact, GitHub's own client (the one upload-artifact and
// download-artifact use). It reads the runner's environment when called:
// ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL for this run's artifacts;
// GITHUB_API_URL (read once, when @actions/github loads) for another run's.

export interface PlanArtifactNameParts {
  /** The Terraform working directory, relative to the repository root. */
  workingDirectory: string;
  /** Default `default`. */
  workspace?: string;
  /** Anything else that tells two plans of one run apart (a matrix leg, `destroy`). */
  label?: string;
}

// Characters an artifact name must not hold (GitHub rejects them), and more:
// only these survive into a slug.
const SLUG_UNSAFE = /[^A-Za-z0-9._-]+/g;
const MAX_SLUG = 40;

/**
 * The artifact name of a plan: `tfplan-<directory slug>-<hash>-<workspace>[-<label>]`.
 * The same inputs give the same name in tf-plan and tf-apply (`./infra/` and
 * `infra` are one directory). The slug is for people; the 8-hex hash of the
 * exact directory keeps `infra/a-b` and `infra/a/b` apart, which a slug alone
 * would not.
 */
export function planArtifactName({ workingDirectory, workspace, label }: PlanArtifactNameParts): string {
  const directory = normalizeDirectory(workingDirectory);
  const hash = createHash('sha256').update(directory).digest('hex').slice(0, 8);
  const parts = ['tfplan', slug(directory === '.' ? 'root' : directory), hash, slug(workspace || 'default')];
  if (label) parts.push(slug(label));
  return parts.join('-');
}

/** The artifact name of the state saved before an apply: one per run attempt, since a re-run applies again. */
export function stateBackupArtifactName(parts: PlanArtifactNameParts, runId: string, runAttempt: string): string {
  return `${planArtifactName(parts).replace(/^tfplan-/, 'tfstate-')}-run${runId}-${runAttempt}`;
}

/** `./infra/`, `infra` and `infra//` are one directory. */
export function normalizeDirectory(workingDirectory: string): string {
  const posix = path.posix.normalize(workingDirectory.trim().replace(/\\/g, '/') || '.');
  return posix.replace(/^\.\/|\/+$/g, '') || '.';
}

function slug(text: string): string {
  const cleaned = text
    .replace(/\//g, '-')
    .replace(SLUG_UNSAFE, '_')
    .replace(/^[-_.]+|[-_.]+$/g, '');
  return cleaned.slice(0, MAX_SLUG).replace(/[-_.]+$/, '') || '_';
}

export interface UploadPlanBundleOptions {
  /** Days GitHub keeps the artifact; default the repository's setting. */
  retentionDays?: number;
  /**
   * Replaces an artifact of the same name in this run (a re-run of the plan
   * job) instead of failing: the newest plan is the one to apply. As with
   * upload-artifact's `overwrite`, the old one is deleted first, so a failed
   * upload leaves none.
   */
  overwrite?: boolean;
  /** What the artifact holds, for messages; default `the plan`. */
  what?: string;
}

export interface UploadedPlanArtifact {
  id: number;
  /** Bytes of the zip uploaded. */
  size: number;
}

/** Uploads the files of a plan bundle directory as the artifact `name` of this run. */
export async function uploadPlanBundle(
  name: string,
  dir: string,
  options: UploadPlanBundleOptions = {},
): Promise<UploadedPlanArtifact> {
  const { ArtifactNotFoundError, DefaultArtifactClient } = await loadArtifact();
  const client = new DefaultArtifactClient();
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(dir, entry.name));
  try {
    if (options.overwrite) {
      await client.deleteArtifact(name).catch((error: unknown) => {
        if (!(error instanceof ArtifactNotFoundError)) throw error;
      });
    }
    const uploaded = await client.uploadArtifact(
      name,
      files,
      dir,
      options.retentionDays ? { retentionDays: options.retentionDays } : {},
    );
    if (uploaded.id === undefined) throw new Error('the artifact service returned no artifact id');
    return { id: uploaded.id, size: uploaded.size ?? 0 };
  } catch (error) {
    throw new ActionError(
      `Could not upload ${options.what ?? 'the plan'} as artifact '${name}': ${messageOf(error)}`,
      'artifact-upload-failed',
      { cause: error },
    );
  }
}

/** This run's artifact, or another run's, read through the REST API with a token that has `actions: read`. */
export type PlanArtifactSource = { name: string; destination: string } & (
  | { runId?: undefined }
  | {
      runId: number;
      /** `owner/name` of the run. */
      repository: string;
      token: string;
    }
);

/**
 * Downloads and unpacks the plan artifact into `destination` (created; any
 * file already there would count as added to the bundle) and returns it. Checks the zip against the digest the artifact service recorded
 * at upload. ActionError `artifact-not-found` when there is no such artifact.
 */
export async function downloadPlanBundle(source: PlanArtifactSource): Promise<string> {
  const { ArtifactNotFoundError, DefaultArtifactClient } = await loadArtifact();
  const client = new DefaultArtifactClient();
  const where = source.runId === undefined ? 'this workflow run' : `run ${source.runId} of ${source.repository}`;
  const find: FindOptions = source.runId === undefined ? {} : { findBy: findBy(source) };
  let artifact: Artifact;
  try {
    ({ artifact } = await client.getArtifact(source.name, find));
  } catch (error) {
    throw lookupError(error instanceof ArtifactNotFoundError, error, source, where);
  }
  await mkdir(source.destination, { recursive: true });
  let digestMismatch: boolean | undefined;
  try {
    ({ digestMismatch } = await client.downloadArtifact(artifact.id, {
      ...find,
      path: source.destination,
      ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
    }));
  } catch (error) {
    throw new ActionError(
      `Could not download the plan artifact '${source.name}' of ${where}: ${messageOf(error)}`,
      'artifact-download-failed',
      { cause: error },
    );
  }
  if (digestMismatch) {
    throw new ActionError(
      `The plan artifact '${source.name}' of ${where} does not match the digest recorded when it was uploaded: it was altered or damaged. Run the plan again.`,
      'plan-tampered',
    );
  }
  return source.destination;
}

/**
 * The newest workflow run that kept the plan artifact `name` for commit
 * `headSha` (the pull request's plan run), through the REST API: undefined
 * when none has it, or it expired.
 */
export async function findPlanArtifactRun(
  octokit: GitHubClient,
  repository: { owner: string; repo: string },
  name: string,
  headSha: string,
): Promise<number | undefined> {
  const artifacts = await octokit.paginate(octokit.rest.actions.listArtifactsForRepo, {
    ...repository,
    name,
    per_page: 100,
  });
  const kept = artifacts
    .filter((artifact) => !artifact.expired && artifact.workflow_run?.head_sha === headSha)
    .sort((a, b) => b.id - a.id);
  return kept[0]?.workflow_run?.id;
}

function findBy(source: { runId: number; repository: string; token: string }): NonNullable<FindOptions['findBy']> {
  const [repositoryOwner, repositoryName, ...rest] = source.repository.split('/');
  if (!repositoryOwner || !repositoryName || rest.length > 0) {
    throw new ActionError(`The repository '${source.repository}' is not 'owner/name'.`, 'invalid-input');
  }
  return { token: source.token, workflowRunId: source.runId, repositoryOwner, repositoryName };
}

function lookupError(notFound: boolean, error: unknown, source: PlanArtifactSource, where: string): ActionError {
  const status = (error as { status?: unknown }).status;
  if (notFound) {
    const hint =
      source.runId === undefined
        ? 'Did tf-plan run earlier in this run, with the same working directory, workspace and label?'
        : 'It may have expired, or that run made no plan with this working directory, workspace and label.';
    return new ActionError(`No plan artifact '${source.name}' in ${where}. ${hint}`, 'artifact-not-found', {
      cause: error,
    });
  }
  if (status === 404) {
    return new ActionError(
      `Workflow ${where} was not found, or the token cannot see it. Check the run id and the repository.`,
      'artifact-not-found',
      { cause: error },
    );
  }
  const hint = status === 401 || status === 403 ? ' The token needs the `actions: read` permission.' : '';
  return new ActionError(
    `Could not look up the plan artifact '${source.name}' in ${where}: ${messageOf(error)}.${hint}`,
    'artifact-download-failed',
    { cause: error },
  );
}

// Without a final full stop: messages are embedded in sentences.
function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().replace(/\.$/, '');
}
