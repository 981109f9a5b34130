import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startArtifactServiceFake, type ArtifactServiceFake } from '../fakes/artifact-service.ts';
import { startGitHubApiFake, type GitHubApiFake } from '../fakes/github-api.ts';
import { ConcurrencyGroups } from './concurrency.ts';
import type { EnvironmentSettings, Reviewer } from './environments.ts';
import { Repositories, WorkflowLoader, type RepositorySetting } from './load.ts';
import { startOidcService, type OidcService } from './oidc.ts';
import type { PermissionsPolicy } from './permissions.ts';
import type { RunEvent, RunReport } from './report.ts';
import type { RunnerServices, RunnerSettings, StepLogLine } from './runtime.ts';
import type { AppSettings, AssumeRole } from './stand-ins/index.ts';
import { executeRun, type RunRequest } from './workflow-run.ts';

// The workflow tier's executor: runs workflows as GitHub runs them, on
// GitHub's own parsers (@actions/workflow-parser, @actions/expressions),
// against the GitHub API and artifact service fakes, with the suite's actions
// run from their committed bundles and third-party actions by stand-ins.
//
//   const runner = await startWorkflowRunner({
//     repositories: { 'acme/infra': { dir: checkout }, 'acme/iac-actions': REPO_ROOT },
//     repository: 'acme/infra',
//     environments: { prod: { reviewers: ['alice'], branches: ['main'] } },
//     reviewer: ({ environment }) => ({ approve: true, by: 'alice' }),
//   });
//   const report = await runner.run({ workflow: '.github/workflows/plan.yml', event: pullRequestEvent(pr) });
//   expect(report.job('plan').conclusion).toBe('success');
//
// Runs started together share the runner's concurrency groups.

export type { RunRequest } from './workflow-run.ts';
export type { StepLogLine } from './runtime.ts';
export type { RunReport, JobReport, StepReport, RunEvent, Conclusion, RequestRecord } from './report.ts';
export type { EnvironmentSettings, Reviewer, ReviewRequest, ReviewDecision, ApprovalRecord } from './environments.ts';
export type { AppSettings, AssumeRole, AwsCredentials } from './stand-ins/index.ts';
export type { RepositorySetting } from './load.ts';
export type { PermissionsPolicy } from './permissions.ts';
export {
  pushEvent,
  pullRequestEvent,
  pullRequestReviewEvent,
  mergeGroupEvent,
  scheduleEvent,
  workflowDispatchEvent,
  type WorkflowEvent,
} from './events.ts';

export interface WorkflowRunnerOptions {
  /**
   * Repositories by `owner/name`: the run's repository (a git repository: a
   * path, or `{ dir }`), and those whose workflows and actions are used —
   * a plain path stands for the working tree at every ref (this suite:
   * `'acme/iac-actions': REPO_ROOT`); `{ dir, at: 'git' }` reads refs with git.
   */
  repositories: Record<string, RepositorySetting | string>;
  /** The repository runs are of when a request names none. */
  repository?: string;
  /** Fakes to use; started (and closed with the runner) when not given. */
  github?: GitHubApiFake;
  artifacts?: ArtifactServiceFake;
  /** The repository's default GITHUB_TOKEN permissions; default `restricted` (contents and packages read). */
  permissions?: PermissionsPolicy;
  /** Repository secrets and variables. */
  secrets?: Record<string, string>;
  variables?: Record<string, string>;
  environments?: Record<string, EnvironmentSettings>;
  /** Decides deployment reviews of environments with required reviewers. */
  reviewer?: Reviewer;
  /** GitHub Apps actions/create-github-app-token can make tokens for, by app id or client id. */
  apps?: Record<string, AppSettings>;
  /** AWS STS for aws-actions/configure-aws-credentials: answers or denies AssumeRoleWithWebIdentity. */
  assumeRole?: AssumeRole;
  /** Runner jobs of one run at once; default 4. */
  maxParallelJobs?: number;
  /**
   * The runner machine's own environment, which every step's process gets
   * under the workflow's `env` (a self-hosted runner's DOCKER_HOST, say).
   */
  machineEnv?: Record<string, string>;
  /** Each line of a step's log as the runner shows it (masked), while the step runs: for a live view. */
  onLog?: (line: StepLogLine) => void;
}

export interface RunHandle {
  /** The run's id (its GitHub workflow run id); rejects for a run that is not triggered or fails to start. */
  readonly id: Promise<number>;
  readonly done: Promise<RunReport>;
  /** Cancels the run, as "Cancel workflow" does. */
  cancel(reason?: string): void;
}

export interface WorkflowRunner {
  readonly github: GitHubApiFake;
  readonly artifacts: ArtifactServiceFake;
  /** Settings that a test may change between runs (reviewer, environments, secrets, ...). */
  readonly settings: RunnerSettings;
  run(request: RunRequest): Promise<RunReport>;
  start(request: RunRequest): RunHandle;
  /** Every event of every run, in order. */
  readonly events: readonly RunEvent[];
  /** The first event (already seen or to come) that matches. */
  waitFor(predicate: (event: RunEvent) => boolean): Promise<RunEvent>;
  /** Who runs and who waits in a concurrency group. */
  concurrency(group: string): { running?: string; pending?: string };
  close(): Promise<void>;
}

export async function startWorkflowRunner(options: WorkflowRunnerOptions): Promise<WorkflowRunner> {
  const ownGitHub = !options.github;
  const ownArtifacts = !options.artifacts;
  const github = options.github ?? (await startGitHubApiFake());
  const artifacts = options.artifacts ?? (await startArtifactServiceFake());
  const oidc: OidcService = await startOidcService();
  const baseDir = await mkdtemp(path.join(tmpdir(), 'workflow-runner-'));
  const events: RunEvent[] = [];
  const waiters: { predicate: (event: RunEvent) => boolean; resolve: (event: RunEvent) => void }[] = [];
  const emit: RunnerServices['emit'] = (event) => {
    const full: RunEvent = { ...event, seq: events.length + 1, at: new Date().toISOString() };
    events.push(full);
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(full)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(full);
    }
    return full;
  };
  const concurrency = new ConcurrencyGroups((event) => {
    const type = event.holder.job ? 'job-pending' : 'run-pending';
    if (event.type === 'pending') {
      emit({
        run: event.holder.run,
        type,
        ...(event.holder.job ? { job: event.holder.job } : {}),
        detail: `${event.group}: behind ${event.running.label}`,
      });
    }
  });
  const repositories = new Repositories(options.repositories, path.join(baseDir, 'actions'));
  const settings: RunnerSettings = {
    permissionsPolicy: options.permissions ?? 'restricted',
    secrets: { ...options.secrets },
    variables: { ...options.variables },
    environments: { ...options.environments },
    ...(options.reviewer ? { reviewer: options.reviewer } : {}),
    apps: { ...options.apps },
    ...(options.assumeRole ? { assumeRole: options.assumeRole } : {}),
    maxParallelJobs: options.maxParallelJobs ?? 4,
    machineEnv: { ...options.machineEnv },
    ...(options.onLog ? { onLog: options.onLog } : {}),
  };
  const services: RunnerServices = {
    github,
    artifacts,
    oidc,
    repositories,
    loader: new WorkflowLoader(repositories),
    concurrency,
    settings,
    baseDir,
    emit,
  };
  const active = new Map<Promise<unknown>, AbortController>();

  const start = (request: RunRequest): RunHandle => {
    const controller = new AbortController();
    let setId!: (id: number) => void;
    let failId!: (error: Error) => void;
    const id = new Promise<number>((resolve, reject) => {
      setId = resolve;
      failId = reject;
    });
    id.catch(() => {});
    const done = executeRun(
      services,
      { ...request, repository: request.repository ?? options.repository ?? Object.keys(options.repositories)[0]! },
      { setId, signal: controller.signal },
    ).then(
      (report) => {
        if (!report.id) failId(new Error(report.reason ?? report.errors.join('\n') ?? 'the run did not start'));
        return report;
      },
      (error: unknown) => {
        failId(error as Error);
        throw error;
      },
    );
    active.set(done, controller);
    void done.finally(() => active.delete(done)).catch(() => {});
    return { id, done, cancel: (reason = 'The run was canceled by a user') => controller.abort(reason) };
  };

  return {
    github,
    artifacts,
    settings,
    run: (request) => start(request).done,
    start,
    events,
    waitFor: (predicate) => {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    concurrency: (group) => concurrency.state(group),
    async close() {
      // Runs still going (a failed test's) are cancelled: their processes stop.
      for (const controller of active.values()) controller.abort('The workflow runner closed');
      await Promise.allSettled([...active.keys()]);
      await oidc.close();
      if (ownGitHub) await github.close();
      if (ownArtifacts) await artifacts.close();
      await rm(baseDir, { recursive: true, force: true });
    },
  };
}
