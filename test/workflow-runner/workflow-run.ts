import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ReusableWorkflowJob, WorkflowTemplate } from '@actions/workflow-parser/model/workflow-template';
import { runIdentity, type RunIdentity, type WorkflowEvent } from './events.ts';
import { evaluateTemplate, isTruthy, stringOf, type Json } from './expressions.ts';
import { runWorkflowJobs } from './jobs.ts';
import { WorkflowLoadError, type LoadedWorkflow } from './load.ts';
import {
  parsePermissions,
  permissionViolation,
  policyPermissions,
  type Permissions,
  type PermissionsPolicy,
} from './permissions.ts';
import { finishReport, type Conclusion, type RunReport } from './report.ts';
import { Semaphore, type Run, type RunnerServices, type WorkflowScope } from './runtime.ts';
import { triggerDecision } from './triggers.ts';

// One workflow run, from the event to its conclusion, as GitHub runs it:
// GITHUB_SHA and GITHUB_REF of the event, the workflow file at that commit,
// its `on:` filters, every reusable workflow it calls loaded and checked
// (inputs, secrets, permissions: "The GITHUB_TOKEN permissions passed from
// the caller workflow can be only downgraded (not elevated) by the called
// workflow") before any job starts, the workflow's concurrency group, then
// the jobs. The run is registered in the GitHub API fake as a workflow run
// (its id is github.run_id), so that actions find it and its artifacts.

export interface RunRequest {
  /** The workflow file in the repository: `.github/workflows/plan.yml`. */
  workflow: string;
  event: WorkflowEvent;
  /** `owner/name` of a git repository the runner maps; default the runner's `repository`. */
  repository?: string;
  /** Who triggered the run; default the payload's sender. */
  actor?: string;
}

export interface RunControl {
  /** Resolves with the run's id once it is registered (never for a run that is not triggered). */
  setId(id: number): void;
  /** Aborted by the test's cancel(). */
  signal: AbortSignal;
}

const RUN_ID_UNKNOWN = 0;

function refName(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\/(\d+)\/merge$/, '$1/merge');
}

/** workflow_dispatch inputs, typed as the `inputs` context holds them (booleans stay booleans), defaults filled in. */
function dispatchInputs(template: WorkflowTemplate, event: WorkflowEvent): Record<string, Json> {
  const definitions = template.events.workflow_dispatch?.inputs ?? {};
  const given = ((event.payload.inputs ?? {}) as Record<string, string>) ?? {};
  const inputs: Record<string, Json> = {};
  for (const [name, spec] of Object.entries(definitions)) {
    const raw = given[name] ?? (spec.default === undefined ? undefined : String(spec.default));
    if (raw === undefined || raw === '') {
      if (spec.required) throw new Error(`Required input '${name}' not provided`);
    }
    const text = raw ?? '';
    if (spec.type === 'choice' && text && spec.options && !spec.options.includes(text)) {
      throw new Error(`Provided value '${text}' for input '${name}' not in the list of allowed values`);
    }
    inputs[name] = spec.type === 'boolean' ? text === 'true' : spec.type === ('number' as string) ? Number(text) : text;
  }
  // github.event.inputs holds the strings, defaults included.
  event.payload.inputs = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)]));
  return inputs;
}

/**
 * GitHub's check of every call before the run starts: a called workflow, and
 * each of its jobs, may not ask for more than the caller grants (the calling
 * job's `permissions`, else the caller workflow's, else the repository default).
 */
function permissionErrors(
  workflow: LoadedWorkflow,
  inherited: Permissions | undefined,
  policy: PermissionsPolicy,
  owner: string,
): string[] {
  const errors: string[] = [];
  const root = workflow.get('permissions');
  for (const def of workflow.jobs) {
    if (def.job.type !== 'reusableWorkflowJob') continue;
    const callee = workflow.calls.get(def.id)!;
    const own = def.get('permissions');
    const explicit = own ? parsePermissions(own) : root ? parsePermissions(root) : inherited;
    const trusted = callee.repository.split('/')[0]!.toLowerCase() === owner.toLowerCase();
    const max = explicit ?? policyPermissions(policy, trusted);
    const written = (def.job as ReusableWorkflowJob).ref.value;
    const uses = written.startsWith('./')
      ? `${workflow.repository}/${written.slice(2)}@${workflow.sha || workflow.ref}`
      : written;
    const start = def.job.id.range?.start;
    const at = `${workflow.file}${start ? ` (Line: ${start.line}, Col: ${start.column})` : ''}: `;
    const calleeRoot = callee.get('permissions');
    if (calleeRoot) {
      const violation = permissionViolation(parsePermissions(calleeRoot), max, { uses });
      if (violation) errors.push(at + violation);
    }
    for (const nested of callee.jobs) {
      const requested = nested.get('permissions');
      if (!requested) continue;
      const violation = permissionViolation(parsePermissions(requested), max, { uses, job: nested.id });
      if (violation) errors.push(at + violation);
    }
    errors.push(...permissionErrors(callee, calleeRoot ? parsePermissions(calleeRoot) : explicit, policy, owner));
  }
  return errors;
}

export async function executeRun(
  services: RunnerServices,
  request: RunRequest,
  control: RunControl,
): Promise<RunReport> {
  const { github } = services;
  const source = services.repositories.require(request.repository!);
  if (source.at !== 'git')
    throw new Error(`Runs need a git repository; '${source.fullName}' is mapped to a working tree`);
  const base = {
    id: RUN_ID_UNKNOWN,
    repository: source.fullName,
    workflow: request.workflow,
    event: request.event.name,
    sha: '',
    ref: '',
    errors: [] as string[],
    jobs: [],
    approvals: [],
    requests: [],
  };
  const notTriggered = (reason: string) =>
    finishReport({ ...base, triggered: false, reason, conclusion: 'skipped' as Conclusion });
  const startupFailure = (identity: RunIdentity | undefined, errors: string[]) =>
    finishReport({
      ...base,
      sha: identity?.sha ?? '',
      ref: identity?.ref ?? '',
      triggered: true,
      conclusion: 'startup_failure',
      errors,
    });

  const identity = await runIdentity(request.event, source.dir, source.defaultBranch);
  if (!identity) return notTriggered('the pull request has merge conflicts: GitHub runs no pull_request workflow');
  const location = { repository: source.fullName, ref: identity.ref, sha: identity.sha, source };
  let workflow: LoadedWorkflow;
  try {
    workflow = await services.loader.load(location, request.workflow);
  } catch (error) {
    if (error instanceof WorkflowLoadError)
      return startupFailure(
        identity,
        error.errors.map((e) => `The workflow is not valid. ${e}`),
      );
    throw error;
  }
  const decision = await triggerDecision(workflow.template.events, request.event, identity);
  if (!decision.triggered) return notTriggered(decision.reason);

  let inputs: Record<string, Json> = {};
  try {
    await services.loader.loadCalls(workflow);
    if (request.event.name === 'workflow_dispatch') inputs = dispatchInputs(workflow.template, request.event);
    const owner = source.fullName.split('/')[0]!;
    const errors = permissionErrors(workflow, undefined, services.settings.permissionsPolicy, owner);
    if (errors.length)
      return startupFailure(
        identity,
        errors.map((e) => `The workflow is not valid. ${e}`),
      );
  } catch (error) {
    if (error instanceof WorkflowLoadError)
      return startupFailure(
        identity,
        error.errors.map((e) => `The workflow is not valid. ${e}`),
      );
    return startupFailure(identity, [(error as Error).message]);
  }

  // Registered in the GitHub API fake: github.run_id is this run's id there.
  const repository = github.addRepository(source.fullName);
  const payload = request.event.payload as {
    sender?: { login?: string; id?: number };
    pull_request?: { number: number; head?: { sha?: string } };
  };
  const actor = request.actor ?? payload.sender?.login ?? 'octocat';
  const pullNumber = payload.pull_request?.number;
  const branch = identity.headRef || refName(identity.ref);
  const seeded = github.seedWorkflowRun(source.fullName, {
    name: workflow.name,
    path: workflow.file,
    headBranch: branch,
    // GitHub records a pull request's run at the pull request's head commit; the run checks out its merge commit.
    headSha: payload.pull_request?.head?.sha ?? identity.sha,
    event: request.event.name,
    status: 'in_progress',
    actor,
    ...(pullNumber && github.pullRequest(source.fullName, pullNumber) ? { pullRequests: [pullNumber] } : {}),
  });
  control.setId(seeded.id);

  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, control.signal]);
  const run: Run = {
    id: seeded.id,
    services,
    repository: source,
    event: request.event,
    identity,
    workflow,
    actor,
    dir: path.join(services.baseDir, `run-${seeded.id}`),
    artifactRunId: randomUUID(),
    signal,
    cancel(reason) {
      if (signal.aborted) return;
      run.cancelReason = reason;
      services.emit({ run: run.id, type: 'run-cancelling', detail: reason });
      controller.abort(reason);
    },
    slots: new Semaphore(services.settings.maxParallelJobs),
    jobs: [],
    approvals: [],
    tokens: new Map(),
    github: {
      event: request.event.payload as Json,
      event_name: request.event.name,
      sha: identity.sha,
      ref: identity.ref,
      ref_name: refName(identity.ref),
      ref_type: identity.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      ref_protected: 'false',
      head_ref: identity.headRef,
      base_ref: identity.baseRef,
      repository: source.fullName,
      repository_id: String(repository.id),
      repository_owner: repository.owner.login,
      repository_owner_id: String(repository.owner.id),
      repositoryUrl: `git://github.com/${source.fullName}.git`,
      run_id: String(seeded.id),
      run_number: String(seeded.run_number),
      run_attempt: '1',
      retention_days: '90',
      actor,
      actor_id: String(payload.sender?.login === actor ? (payload.sender.id ?? 1) : 1),
      triggering_actor: actor,
      workflow: workflow.name,
      workflow_ref: `${source.fullName}/${workflow.file}@${identity.ref}`,
      workflow_sha: identity.sha,
      server_url: 'https://github.com',
      api_url: github.url,
      graphql_url: `${github.url}/graphql`,
      secret_source: 'Actions',
      job: '',
      token: '',
      workspace: '',
      event_path: '',
      action: '',
      action_path: '',
      action_ref: '',
      action_repository: '',
    },
  };
  control.signal.addEventListener('abort', () => run.cancel(String(control.signal.reason ?? 'cancelled')), {
    once: true,
  });
  await mkdir(run.dir, { recursive: true });
  services.emit({ run: run.id, type: 'run-queued' });

  const finish = (conclusion: Conclusion) => {
    const live = github.workflowRun(source.fullName, run.id);
    if (live)
      Object.assign(live, {
        status: 'completed',
        conclusion,
        updated_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
    services.emit({ run: run.id, type: 'run-completed', detail: conclusion });
    // In order of arrival, each with the job whose token made it.
    const requests = github.requests
      .filter((r) => r.token !== undefined && run.tokens.has(r.token))
      .map((r) => ({
        job: run.tokens.get(r.token!)!,
        method: r.method,
        path: r.path,
        ...(r.status ? { status: r.status } : {}),
      }));
    return finishReport({
      ...base,
      id: run.id,
      sha: identity.sha,
      ref: identity.ref,
      triggered: true,
      conclusion,
      jobs: run.jobs,
      approvals: run.approvals,
      requests,
      ...(run.cancelReason ? { cancelReason: run.cancelReason } : {}),
    });
  };

  // The workflow's concurrency group.
  let group: string | undefined;
  const holder = { label: `run ${run.id}`, run: run.id, cancel: (why: string) => run.cancel(why) };
  if (workflow.template.concurrency) {
    try {
      const value = evaluateTemplate(workflow.template.concurrency, {
        contexts: { github: run.github, inputs, vars: services.settings.variables },
      });
      const spec = typeof value === 'string' ? { group: value } : (value as Record<string, Json>);
      group = stringOf(spec.group ?? '');
      const admission = await services.concurrency.acquire(
        group,
        holder,
        isTruthy(spec['cancel-in-progress'] ?? false),
        signal,
      );
      if (admission === 'cancelled') {
        run.cancelReason ??= String(signal.reason ?? `cancelled while pending in ${group}`);
        return finish('cancelled');
      }
    } catch (error) {
      return finishReport({
        ...base,
        id: run.id,
        sha: identity.sha,
        ref: identity.ref,
        triggered: true,
        conclusion: 'startup_failure',
        errors: [(error as Error).message],
      });
    }
  }
  services.emit({ run: run.id, type: 'run-started' });
  try {
    const scope: WorkflowScope = { run, workflow, inputs, secrets: { ...services.settings.secrets }, signal };
    const results = await runWorkflowJobs(scope);
    const top = [...results.values()].map((r) => r.result);
    return finish(
      top.includes('failure') ? 'failure' : signal.aborted || top.includes('cancelled') ? 'cancelled' : 'success',
    );
  } finally {
    if (group) services.concurrency.release(group, holder);
  }
}
