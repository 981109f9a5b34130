import type { ArtifactServiceFake } from '../fakes/artifact-service.ts';
import type { GitHubApiFake } from '../fakes/github-api.ts';
import type { ConcurrencyGroups } from './concurrency.ts';
import type { ApprovalRecord, EnvironmentSettings, Reviewer } from './environments.ts';
import type { RunIdentity, WorkflowEvent } from './events.ts';
import type { Json } from './expressions.ts';
import type { LoadedWorkflow, Repositories, RepositorySource, WorkflowLoader } from './load.ts';
import type { OidcService } from './oidc.ts';
import type { Permissions, PermissionsPolicy } from './permissions.ts';
import type { JobReport, RunEvent } from './report.ts';
import type { AppSettings, AssumeRole } from './stand-ins/index.ts';

// What the parts of a run share: the runner's services and settings, the run
// itself (its identity, cancellation, reports), the scope of the workflow
// being executed (the caller's, or a called one's), a job leg.

/** One line of a step's log, as it is written. */
export interface StepLogLine {
  run: number;
  /** The job's key and display name. */
  job: string;
  jobName: string;
  step: string;
  line: string;
}

/** Where a step's lines go while it runs, when the runner was given `onLog`. */
export function liveLog(runtime: { leg: JobLeg }, step: string): ((line: string) => void) | undefined {
  const onLog = runtime.leg.scope.run.services.settings.onLog;
  if (!onLog) return undefined;
  const { key, name } = runtime.leg;
  return (line) => onLog({ run: runtime.leg.scope.run.id, job: key, jobName: name, step, line });
}

export interface RunnerSettings {
  /** The repository's default GITHUB_TOKEN permissions. */
  permissionsPolicy: PermissionsPolicy;
  secrets: Record<string, string>;
  variables: Record<string, string>;
  environments: Record<string, EnvironmentSettings>;
  reviewer?: Reviewer;
  apps: Record<string, AppSettings>;
  assumeRole?: AssumeRole;
  /** Runner jobs of one run running at once. */
  maxParallelJobs: number;
  /** The runner machine's environment, under every step's `env`. */
  machineEnv: Record<string, string>;
  onLog?: (line: StepLogLine) => void;
}

export interface RunnerServices {
  github: GitHubApiFake;
  artifacts: ArtifactServiceFake;
  oidc: OidcService;
  repositories: Repositories;
  loader: WorkflowLoader;
  concurrency: ConcurrencyGroups;
  settings: RunnerSettings;
  /** Where runs keep their directories; removed when the runner closes. */
  baseDir: string;
  emit(event: Omit<RunEvent, 'seq' | 'at'>): RunEvent;
}

/** At most `limit` holders at once, admitted in the order they asked. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }
}

export interface Run {
  id: number;
  services: RunnerServices;
  repository: RepositorySource;
  event: WorkflowEvent;
  identity: RunIdentity;
  workflow: LoadedWorkflow;
  actor: string;
  dir: string;
  /** The run's results service id (ACTIONS_RUNTIME_TOKEN scope), shared by its jobs' artifacts. */
  artifactRunId: string;
  signal: AbortSignal;
  cancel(reason: string): void;
  cancelReason?: string;
  slots: Semaphore;
  jobs: JobReport[];
  approvals: ApprovalRecord[];
  /** Token → job key, for the report's requests. */
  tokens: Map<string, string>;
  /** The github context every job starts from. */
  github: Record<string, Json>;
}

export interface JobResult {
  result: JobReport['result'];
  outputs: Record<string, string>;
}

/** The workflow being executed: the run's, or one a job called. */
export interface WorkflowScope {
  run: Run;
  workflow: LoadedWorkflow;
  inputs: Record<string, Json>;
  /** The secrets context (without GITHUB_TOKEN, which each job adds). */
  secrets: Record<string, string>;
  /** The permissions the caller chain granted explicitly (GitHub's explicitMax); undefined: the repository default. */
  granted?: Permissions;
  /** The calling job, for keys and display names. */
  caller?: { key: string; name: string };
  signal: AbortSignal;
}

/** One job to run: a job, or one leg of its matrix. */
export interface JobLeg {
  scope: WorkflowScope;
  id: string;
  key: string;
  name: string;
  needs: Record<string, { result: string; outputs: Record<string, string> }>;
  matrix?: Record<string, Json>;
  strategy: Record<string, Json>;
  signal: AbortSignal;
  cancel(reason: string): void;
  /** Set when cancel() was called with a reason (a concurrency group, a timeout). */
  cancelReason(): string | undefined;
  report: JobReport;
}

/** The contexts a job-level expression sees (`if`, `strategy`, `environment`, `concurrency`, `with`). */
export function jobContexts(
  leg: Pick<JobLeg, 'scope' | 'needs' | 'matrix' | 'strategy'>,
  job = '',
): Record<string, Json> {
  const { scope } = leg;
  return {
    github: { ...scope.run.github, job },
    inputs: scope.inputs,
    vars: scope.run.services.settings.variables,
    needs: leg.needs,
    strategy: leg.strategy,
    matrix: leg.matrix ?? null,
  };
}
