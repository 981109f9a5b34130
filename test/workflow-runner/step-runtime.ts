import path from 'node:path';
import type { Annotation } from '../harness/runner-log.ts';
import type { Json, Scope } from './expressions.ts';
import type { JobDefinition } from './load.ts';
import type { JobMasks } from './masks.ts';
import type { Permissions } from './permissions.ts';
import type { Conclusion, StepReport } from './report.ts';
import type { JobLeg } from './runtime.ts';

// What a job's steps share while it runs: the job's machine (directories,
// token, secrets, masks, env, PATH), the steps context, the post steps to
// run, and the environment the runner gives every step's process.

export interface JobRuntime {
  leg: JobLeg;
  def: JobDefinition;
  dirs: { base: string; temp: string; workspace: string; home: string; toolCache: string; actions: string };
  token: string;
  permissions: Permissions;
  environment?: string;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  masks: JobMasks;
  github: Record<string, Json>;
  /** ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN with `id-token: write`. */
  oidcEnv: Record<string, string>;
  /** ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL, which the runner gives actions (not `run:` steps). */
  actionsEnv: Record<string, string>;
  /** The runner machine's own environment (RunnerSettings.machineEnv). */
  machineEnv: Record<string, string>;
  artifactJob: { workflowRunBackendId: string; workflowJobRunBackendId: string };
  /** The workflow's and the job's `env`. */
  jobEnv: Record<string, string>;
  /** What steps exported with GITHUB_ENV. */
  exportedEnv: Record<string, string>;
  /** What steps added with GITHUB_PATH, oldest first. */
  path: string[];
  steps: Record<string, { outputs: Record<string, string>; outcome: Conclusion; conclusion: Conclusion }>;
  failed: boolean;
  timedOut: boolean;
  posts: PostStep[];
  processGroups: Set<number>;
  warnings: string[];
  publishedArtifacts: Set<number>;
}

export interface PostStep {
  report: StepReport;
  condition: string;
  run(): Promise<StepOutcome>;
}

export interface StepOutcome {
  outcome: Conclusion;
  outputs: Record<string, string>;
  log: string;
  summary: string;
  annotations: Annotation[];
  error?: string;
  details?: Record<string, unknown>;
}

const RUNNER = { name: 'GitHub Actions 1', os: 'Linux', arch: 'X64', environment: 'github-hosted' };

type JobStatus = 'success' | 'failure' | 'cancelled';

export function jobStatus(runtime: JobRuntime): JobStatus {
  if (runtime.leg.signal.aborted) return 'cancelled';
  return runtime.failed ? 'failure' : 'success';
}

/** The contexts of a step's expressions. */
export function stepContexts(runtime: JobRuntime, env: Record<string, string>): Record<string, Json> {
  const { leg } = runtime;
  return {
    github: runtime.github,
    env,
    vars: runtime.vars,
    job: { status: jobStatus(runtime), container: { id: '', network: '' }, services: {} },
    steps: runtime.steps,
    runner: { ...RUNNER, temp: runtime.dirs.temp, tool_cache: runtime.dirs.toolCache },
    secrets: runtime.secrets,
    strategy: leg.strategy,
    matrix: leg.matrix ?? null,
    needs: leg.needs,
    inputs: leg.scope.inputs,
  };
}

export function stepScope(runtime: JobRuntime, env: Record<string, string>): Scope {
  return {
    contexts: stepContexts(runtime, env),
    workspace: runtime.dirs.workspace,
    status: {
      success: () => jobStatus(runtime) === 'success',
      failure: () => jobStatus(runtime) === 'failure',
      cancelled: () => jobStatus(runtime) === 'cancelled',
    },
  };
}

/** The variables the runner sets for every step: GITHUB_*, RUNNER_*, CI. */
export function runnerVariables(
  runtime: JobRuntime,
  action: { id: string; repository?: string; ref?: string; path?: string },
) {
  const g = runtime.github as Record<string, string>;
  const variables: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: action.id,
    GITHUB_ACTION_REPOSITORY: action.repository ?? '',
    GITHUB_ACTION_REF: action.ref ?? '',
    GITHUB_ACTOR: g.actor!,
    GITHUB_ACTOR_ID: g.actor_id!,
    GITHUB_API_URL: g.api_url!,
    GITHUB_BASE_REF: g.base_ref!,
    GITHUB_EVENT_NAME: g.event_name!,
    GITHUB_EVENT_PATH: g.event_path!,
    GITHUB_GRAPHQL_URL: g.graphql_url!,
    GITHUB_HEAD_REF: g.head_ref!,
    GITHUB_JOB: g.job!,
    GITHUB_REF: g.ref!,
    GITHUB_REF_NAME: g.ref_name!,
    GITHUB_REF_PROTECTED: g.ref_protected!,
    GITHUB_REF_TYPE: g.ref_type!,
    GITHUB_REPOSITORY: g.repository!,
    GITHUB_REPOSITORY_ID: g.repository_id!,
    GITHUB_REPOSITORY_OWNER: g.repository_owner!,
    GITHUB_REPOSITORY_OWNER_ID: g.repository_owner_id!,
    GITHUB_RETENTION_DAYS: g.retention_days!,
    GITHUB_RUN_ATTEMPT: g.run_attempt!,
    GITHUB_RUN_ID: g.run_id!,
    GITHUB_RUN_NUMBER: g.run_number!,
    GITHUB_SERVER_URL: g.server_url!,
    GITHUB_SHA: g.sha!,
    GITHUB_TRIGGERING_ACTOR: g.triggering_actor!,
    GITHUB_WORKFLOW: g.workflow!,
    GITHUB_WORKFLOW_REF: g.workflow_ref!,
    GITHUB_WORKFLOW_SHA: g.workflow_sha!,
    GITHUB_WORKSPACE: runtime.dirs.workspace,
    RUNNER_ARCH: RUNNER.arch,
    RUNNER_ENVIRONMENT: RUNNER.environment,
    RUNNER_NAME: RUNNER.name,
    RUNNER_OS: RUNNER.os,
    RUNNER_TEMP: runtime.dirs.temp,
    RUNNER_TOOL_CACHE: runtime.dirs.toolCache,
  };
  if (action.path) variables.GITHUB_ACTION_PATH = action.path;
  return variables;
}

/** The environment of a step's process: the machine's, the env context, the runner's variables (which env cannot override). */
export function processEnv(runtime: JobRuntime, env: Record<string, string>, runnerVars: Record<string, string>) {
  return {
    PATH: [...runtime.path]
      .reverse()
      .concat(process.env.PATH ?? '')
      .join(path.delimiter),
    HOME: runtime.dirs.home,
    LANG: process.env.LANG ?? 'C.UTF-8',
    // The test run's marker (test/setup/no-leftover-processes.ts): a process a step leaves running is found.
    ...(process.env.IAC_ACTIONS_TEST_RUN ? { IAC_ACTIONS_TEST_RUN: process.env.IAC_ACTIONS_TEST_RUN } : {}),
    ...runtime.machineEnv,
    ...env,
    ...runtime.oidcEnv,
    ...runnerVars,
  };
}

export function failedOutcome(message: string, log = ''): StepOutcome {
  return {
    outcome: 'failure',
    outputs: {},
    log: [log, `Error: ${message}`].filter(Boolean).join('\n'),
    summary: '',
    annotations: [{ level: 'error', message, properties: {} }],
    error: message,
  };
}

/** Applies what a step wrote to GITHUB_ENV and GITHUB_PATH to the rest of the job. */
export function applyExports(runtime: JobRuntime, env: Record<string, string>, paths: string[]): void {
  Object.assign(runtime.exportedEnv, env);
  for (const dir of paths) {
    const at = runtime.path.indexOf(dir);
    if (at >= 0) runtime.path.splice(at, 1);
    runtime.path.push(dir);
  }
}
