import type { Annotation } from '../harness/runner-log.ts';
import type { ApprovalRecord } from './environments.ts';
import type { Json } from './expressions.ts';
import type { Scope } from './permissions.ts';

// What a run reports, as data a test asserts on: the run, each job (a matrix
// leg, a job of a called workflow), each step, the reviews, and the GitHub
// API requests each job's token made.

export type Conclusion = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepReport {
  /** The step's `id`, or the id GitHub's parser gives it (`__run`, `__actions_checkout`). */
  id: string;
  name: string;
  uses?: string;
  /** A post step, run at the end of the job (`Post <name>`). */
  post?: boolean;
  /** Before `continue-on-error`. */
  outcome: Conclusion;
  /** After `continue-on-error`: what the job's status sees. */
  conclusion: Conclusion;
  outputs: Record<string, string>;
  /** The log as GitHub shows it: masked, workflow commands consumed. */
  log: string;
  summary: string;
  annotations: Annotation[];
  /** Why it failed, when the runner (not the step's process) says so: a timeout, an unknown action. */
  error?: string;
  /** What a stand-in did (the role it assumed, the token it made), for assertions. */
  details?: Record<string, unknown>;
}

export interface JobReport {
  /** Unique in the run: the job id, `caller/callee` for a called workflow's job, with a matrix index: `build[1]`. */
  key: string;
  id: string;
  /** As GitHub shows it: `build (linux, 18)`, `deploy (prod) / apply`. */
  name: string;
  /** The workflow file that defines the job, and its repository. */
  workflow: string;
  repository: string;
  /** The key of the job that called this job's workflow. */
  caller?: string;
  matrix?: Record<string, Json>;
  /** A job that calls a reusable workflow (its jobs are reported after it). */
  calls?: string;
  conclusion: Conclusion;
  /** What `needs.<id>.result` shows: a failure under `continue-on-error: true` is a success there. */
  result: Conclusion;
  outputs: Record<string, string>;
  environment?: { name: string; url?: string };
  approvals: ApprovalRecord[];
  /** The token's permissions (runner jobs only): the scopes granted. */
  permissions?: Partial<Record<Scope, 'read' | 'write'>>;
  concurrency?: string;
  steps: StepReport[];
  /** Why the job failed or was cancelled without a step failing: a branch policy, a rejection, a timeout. */
  error?: string;
  /** When it started and ended, in the runner's event sequence. */
  startedSeq?: number;
  completedSeq?: number;
}

export interface RequestRecord {
  /** The key of the job whose token made it. */
  job: string;
  method: string;
  path: string;
  status?: number;
}

export interface RunReport {
  id: number;
  repository: string;
  workflow: string;
  event: string;
  sha: string;
  ref: string;
  /** False when the workflow's `on:` does not run for the event; `reason` says why. */
  triggered: boolean;
  reason?: string;
  /** `startup_failure`: the workflow (or one it calls) is not valid; `errors` has GitHub's messages. */
  conclusion: Conclusion | 'startup_failure';
  errors: string[];
  jobs: JobReport[];
  approvals: ApprovalRecord[];
  requests: RequestRecord[];
  /** Why it was cancelled (a concurrency group, a test's cancel). */
  cancelReason?: string;
  /** The job of that key, name or id (the first match); throws when there is none. */
  job(keyOrName: string): JobReport;
}

export interface RunEvent {
  seq: number;
  at: string;
  run: number;
  type:
    | 'run-queued'
    | 'run-pending'
    | 'run-started'
    | 'run-cancelling'
    | 'run-completed'
    | 'job-pending'
    | 'job-waiting'
    | 'job-started'
    | 'job-completed'
    | 'review-requested'
    | 'review-decided'
    | 'step-started'
    | 'step-completed';
  /** The job's key. */
  job?: string;
  step?: string;
  detail?: string;
}

export function finishReport(report: Omit<RunReport, 'job'>): RunReport {
  return Object.assign(report, {
    job(keyOrName: string): JobReport {
      const found =
        report.jobs.find((j) => j.key === keyOrName) ??
        report.jobs.find((j) => j.name === keyOrName) ??
        report.jobs.find((j) => j.id === keyOrName);
      if (!found) {
        const why = report.triggered
          ? `${report.conclusion} ${report.errors.join('\n')}`
          : `not triggered: ${report.reason}`;
        throw new Error(
          `run ${report.id} has no job '${keyOrName}' (jobs: ${report.jobs.map((j) => j.key).join(', ')}; ${why})`,
        );
      }
      return found;
    },
  });
}
