import { createHash } from 'node:crypto';
import { notFound } from './api-error.ts';
import { repositoryHtmlUrl } from './repositories.ts';
import type { Artifact, MinimalRepository, PullRequestMinimal, Repository, WorkflowRun } from './schemas.ts';
import { fakeSha, type FakeState, type RepoState, type StoredArtifact } from './state.ts';
import { nodeId, simpleUser } from './users.ts';

// Workflow runs and their artifacts, seeded by tests: the fake does not run
// workflows, it answers the lookups the actions make (the run that produced a
// plan, the artifact of that plan).

export interface WorkflowRunSeed {
  /** Workflow name; default `CI`. */
  name?: string;
  /** Workflow file; default `.github/workflows/ci.yml`. */
  path?: string;
  workflowId?: number;
  /** Branch; default the repository's default branch. */
  headBranch?: string;
  headSha?: string;
  /** Default `push`. */
  event?: string;
  /** Default `completed`. */
  status?: 'queued' | 'in_progress' | 'completed' | 'requested' | 'waiting' | 'pending';
  /** Default `success` when completed, else null. */
  conclusion?: 'success' | 'failure' | 'cancelled' | 'skipped' | 'neutral' | 'timed_out' | 'action_required' | null;
  runNumber?: number;
  runAttempt?: number;
  /** Actor's login; default `octocat`. */
  actor?: string;
  /** Numbers of seeded pull requests this run is for. */
  pullRequests?: number[];
  displayTitle?: string;
  /** Seconds before now the run was created (lists are newest first); default 0. */
  ageSeconds?: number;
}

export interface ArtifactSeed {
  runId: number;
  name: string;
  /** The zip that `GET /actions/artifacts/{id}/zip` redirects to. */
  content?: Uint8Array;
  sizeInBytes?: number;
  expired?: boolean;
}

export function seedWorkflowRun(state: FakeState, repo: RepoState, seed: WorkflowRunSeed): WorkflowRun {
  const id = state.nextId();
  const url = `${repo.repository.url}/actions/runs/${id}`;
  const status = seed.status ?? 'completed';
  const headSha = seed.headSha ?? fakeSha(`${repo.repository.full_name}:run:${id}`);
  const workflowId = seed.workflowId ?? workflowIdOf(seed.path ?? '.github/workflows/ci.yml');
  const checkSuiteId = state.nextId();
  const created = state.timestamp(-(seed.ageSeconds ?? 0) * 1000);
  const actor = simpleUser(state.baseUrl, state.user(seed.actor ?? 'octocat'));
  const runNumber =
    seed.runNumber ?? [...repo.runs.values()].filter((run) => run.workflow_id === workflowId).length + 1;
  const run: WorkflowRun = {
    id,
    name: seed.name ?? 'CI',
    node_id: nodeId('WFR', id),
    check_suite_id: checkSuiteId,
    check_suite_node_id: nodeId('CS', checkSuiteId),
    head_branch: seed.headBranch ?? repo.repository.default_branch,
    head_sha: headSha,
    path: seed.path ?? '.github/workflows/ci.yml',
    run_number: runNumber,
    run_attempt: seed.runAttempt ?? 1,
    referenced_workflows: [],
    event: seed.event ?? 'push',
    status,
    conclusion: seed.conclusion !== undefined ? seed.conclusion : status === 'completed' ? 'success' : null,
    workflow_id: workflowId,
    url,
    html_url: `${repositoryHtmlUrl(state.baseUrl, repo.repository.full_name)}/actions/runs/${id}`,
    pull_requests: (seed.pullRequests ?? []).map((number) => minimalPull(repo, number)),
    created_at: created,
    updated_at: created,
    actor,
    triggering_actor: actor,
    run_started_at: created,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${repo.repository.url}/check-suites/${checkSuiteId}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${repo.repository.url}/actions/workflows/${workflowId}`,
    head_commit: {
      id: headSha,
      tree_id: fakeSha(`${headSha}:tree`),
      message: seed.displayTitle ?? 'Change the infrastructure',
      timestamp: created,
      author: { name: 'Octo Cat', email: 'octocat@example.com' },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    repository: minimalRepository(repo.repository),
    head_repository: minimalRepository(repo.repository),
    display_title: seed.displayTitle ?? 'Change the infrastructure',
  };
  repo.runs.set(id, run);
  return run;
}

// Runs embed the short form of a repository; its license is shaped differently.
function minimalRepository({ license, ...repository }: Repository): MinimalRepository {
  return {
    ...repository,
    license: license && { key: license.key, name: license.name, url: license.url, node_id: license.node_id },
  };
}

// A workflow's id is stable per file, as on GitHub.
function workflowIdOf(path: string): number {
  return createHash('sha1').update(path).digest().readUInt32BE(0) % 100_000_000;
}

function minimalPull(repo: RepoState, number: number): PullRequestMinimal {
  const pull = repo.pulls.get(number);
  if (!pull) throw new Error(`Seed pull request #${number} before a workflow run that refers to it.`);
  const ref = (repository: typeof repo.repository) => ({
    id: repository.id,
    url: repository.url,
    name: repository.name,
  });
  return {
    id: pull.id,
    number,
    url: `${repo.repository.url}/pulls/${number}`,
    head: { ref: pull.head.ref, sha: pull.head.sha, repo: ref(pull.head.repository) },
    base: { ref: pull.base.ref, sha: pull.base.sha, repo: ref(repo.repository) },
  };
}

export function requireRun(repo: RepoState, id: number): WorkflowRun {
  const run = repo.runs.get(id);
  if (!run) throw notFound();
  return run;
}

/** Whether a run passes `GET /actions/runs` filters; `status` also matches conclusions, as on GitHub. */
export function runMatches(run: WorkflowRun, query: URLSearchParams): boolean {
  const wanted = (name: string) => query.get(name) ?? undefined;
  const status = wanted('status');
  return (
    (wanted('branch') === undefined || run.head_branch === wanted('branch')) &&
    (wanted('event') === undefined || run.event === wanted('event')) &&
    (wanted('head_sha') === undefined || run.head_sha === wanted('head_sha')) &&
    (wanted('actor') === undefined || run.actor?.login === wanted('actor')) &&
    (status === undefined || run.status === status || run.conclusion === status)
  );
}

export function seedArtifact(state: FakeState, repo: RepoState, seed: ArtifactSeed): StoredArtifact {
  const run = requireRun(repo, seed.runId);
  const id = state.nextId();
  const url = `${repo.repository.url}/actions/artifacts/${id}`;
  const now = state.timestamp();
  const data: Artifact = {
    id,
    node_id: nodeId('AR', id),
    name: seed.name,
    size_in_bytes: seed.sizeInBytes ?? seed.content?.byteLength ?? 0,
    url,
    archive_download_url: `${url}/zip`,
    expired: seed.expired ?? false,
    created_at: now,
    updated_at: now,
    expires_at: state.timestamp(90 * 24 * 3600 * 1000),
    digest: seed.content ? `sha256:${createHash('sha256').update(seed.content).digest('hex')}` : null,
    workflow_run: {
      id: run.id,
      repository_id: repo.repository.id,
      head_repository_id: repo.repository.id,
      head_branch: run.head_branch ?? '',
      head_sha: run.head_sha,
    },
  };
  const stored: StoredArtifact = { data, content: seed.content };
  repo.artifacts.set(id, stored);
  return stored;
}

export function requireArtifact(repo: RepoState, id: number): StoredArtifact {
  const artifact = repo.artifacts.get(id);
  if (!artifact) throw notFound();
  return artifact;
}
