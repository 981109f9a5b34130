import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { GITHUB_ACTIONS_BOT } from '../fakes/github-api.ts';
import type { ConcurrencyHolder } from './concurrency.ts';
import { branchPolicyError, checkDecision, type ApprovalRecord, type ReviewRequest } from './environments.ts';
import { evaluateStringMap, evaluateTemplate, isTruthy, stringOf, type Json } from './expressions.ts';
import { find, type JobDefinition } from './load.ts';
import { JobMasks } from './masks.ts';
import { grantedScopes, parsePermissions, policyPermissions, tokenScopes, type Permissions } from './permissions.ts';
import { killGroup } from './processes.ts';
import type { Conclusion } from './report.ts';
import { jobContexts, type JobLeg, type JobResult } from './runtime.ts';
import { stepContexts, type JobRuntime } from './step-runtime.ts';
import { publishArtifacts, runPostSteps, runSteps } from './steps.ts';

// One job on a runner: its environment's protection rules (branch policy,
// reviewers), its concurrency group, a runner slot, then a fresh machine —
// workspace, RUNNER_TEMP, HOME, a GITHUB_TOKEN of exactly the job's
// permissions on the GitHub API fake, an OIDC request token with
// `id-token: write` — its steps, its post steps in reverse order, its
// outputs; at the end the token is revoked and what the steps left running is
// killed.

const RUNNER_NAME = 'GitHub Actions 1';

/** The permissions of a job's token: its own, its workflow's, its caller's grant, or the repository's default. */
export function jobPermissions(leg: JobLeg, def: JobDefinition): Permissions {
  const own = def.get('permissions') ?? leg.scope.workflow.get('permissions');
  if (own) return parsePermissions(own);
  return leg.scope.granted ?? policyPermissions(leg.scope.run.services.settings.permissionsPolicy);
}

function split(token: TemplateToken): { name: TemplateToken | undefined; url: TemplateToken | undefined } {
  if (token.templateTokenType !== 2) return { name: token, url: undefined };
  const mapping = token as MappingToken;
  return { name: find(mapping, 'name'), url: find(mapping, 'url') };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const abort = () => resolve(ABORTED);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error as Error);
      },
    );
  });
}
const ABORTED = Symbol('aborted');

export async function runRunnerJob(leg: JobLeg, def: JobDefinition): Promise<JobResult> {
  const { scope, report } = leg;
  const run = scope.run;
  const services = run.services;
  const job = def.job as Job;
  const contexts = jobContexts(leg, def.id);
  const cleanups: (() => void | Promise<void>)[] = [];
  let continueOnError = false;

  const finish = async (conclusion: Conclusion, error?: string, outputs: Record<string, string> = {}) => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    report.conclusion = conclusion;
    report.result = conclusion === 'failure' && continueOnError ? 'success' : conclusion;
    report.outputs = outputs;
    if (error) report.error = error;
    report.completedSeq = services.emit({ run: run.id, type: 'job-completed', job: leg.key, detail: conclusion }).seq;
    return { result: report.result, outputs };
  };

  try {
    // Not modelled: a job in a container, or with service containers, would silently run on the host.
    if (job.container || job.services) {
      return await finish('failure', 'Jobs with `container:` or `services:` are not supported by the workflow runner');
    }
    const timeoutToken = def.get('timeout-minutes');
    const timeoutMinutes = timeoutToken ? Number(evaluateTemplate(timeoutToken, { contexts })) : 360;
    const continueToken = def.get('continue-on-error');
    continueOnError = continueToken ? isTruthy(evaluateTemplate(continueToken, { contexts })) : false;

    // Environment: protection rules pass before the job is sent to a runner.
    let environment: { name: string; url?: TemplateToken } | undefined;
    if (job.environment) {
      const { name: nameToken, url } = split(job.environment);
      const name = nameToken ? stringOf(evaluateTemplate(nameToken, { contexts })) : '';
      if (name) {
        environment = { name, ...(url ? { url } : {}) };
        report.environment = { name };
        const settings = services.settings.environments[name];
        const refused = branchPolicyError(name, settings, run.identity.ref);
        if (refused) return await finish('failure', refused);
        if (settings?.reviewers?.length) {
          const request: ReviewRequest = {
            runId: run.id,
            workflow: run.workflow.name,
            job: leg.name,
            environment: name,
            reviewers: [...settings.reviewers],
            actor: run.actor,
            ref: run.identity.ref,
            sha: run.identity.sha,
          };
          const requestedAt = new Date().toISOString();
          const requested = services.emit({ run: run.id, type: 'review-requested', job: leg.key, detail: name });
          services.emit({ run: run.id, type: 'job-waiting', job: leg.key, detail: name });
          const reviewer = services.settings.reviewer;
          if (!reviewer) {
            return await finish('failure', `${name} requires a review, and the workflow runner was given no reviewer`);
          }
          const decision = await raceAbort(Promise.resolve(reviewer(request)), leg.signal);
          if (decision === ABORTED) return await finish('cancelled', leg.cancelReason());
          checkDecision(request, settings, decision);
          const decided = services.emit({
            run: run.id,
            type: 'review-decided',
            job: leg.key,
            detail: `${name}: ${decision.approve ? 'approved' : 'rejected'} by ${decision.by}`,
          });
          const record: ApprovalRecord = {
            environment: name,
            job: leg.name,
            reviewers: request.reviewers,
            state: decision.approve ? 'approved' : 'rejected',
            by: decision.by,
            ...(decision.comment ? { comment: decision.comment } : {}),
            requestedAt,
            decidedAt: new Date().toISOString(),
            requestedSeq: requested.seq,
            decidedSeq: decided.seq,
          };
          report.approvals.push(record);
          run.approvals.push(record);
          if (!decision.approve) return await finish('failure', `Deployment to ${name} was rejected by ${decision.by}`);
        }
      }
    }

    // Job-level concurrency.
    if (job.concurrency) {
      const value = evaluateTemplate(job.concurrency, { contexts });
      const spec = typeof value === 'string' ? { group: value } : (value as Record<string, Json>);
      const group = stringOf(spec.group ?? '');
      report.concurrency = group;
      const holder: ConcurrencyHolder = {
        label: `run ${run.id} / ${leg.name}`,
        run: run.id,
        job: leg.key,
        cancel: (why) => leg.cancel(why),
      };
      const admission = await services.concurrency.acquire(
        group,
        holder,
        isTruthy(spec['cancel-in-progress'] ?? false),
        leg.signal,
      );
      if (admission === 'cancelled') return await finish('cancelled', leg.cancelReason());
      cleanups.push(() => services.concurrency.release(group, holder));
    }

    const permissions = jobPermissions(leg, def);
    report.permissions = grantedScopes(permissions);
    const releaseSlot = await run.slots.acquire();
    cleanups.push(releaseSlot);
    if (leg.signal.aborted) return await finish('cancelled', leg.cancelReason());
    report.startedSeq = services.emit({ run: run.id, type: 'job-started', job: leg.key }).seq;

    const runtime = await prepare(leg, def, permissions, environment?.name, cleanups);
    const timer = setTimeout(() => {
      runtime.timedOut = true;
      leg.cancel(
        `The job running on runner ${RUNNER_NAME} has exceeded the maximum execution time of ${timeoutMinutes} minutes.`,
      );
    }, timeoutMinutes * 60_000);
    cleanups.push(() => clearTimeout(timer));

    await runSteps(runtime, def);
    await runPostSteps(runtime);
    await publishArtifacts(runtime);

    const outputs: Record<string, string> = {};
    const stepScope = { contexts: stepContexts(runtime, {}) };
    for (const pair of job.outputs ?? []) {
      const name = pair.key.toString();
      try {
        const value = stringOf(evaluateTemplate(pair.value, stepScope));
        // "Outputs containing secrets are redacted on the runner and not sent to GitHub Actions."
        if (runtime.masks.reveals(value)) runtime.warnings.push(`Skip output '${name}' since it may contain secret.`);
        else outputs[name] = value;
      } catch (error) {
        runtime.failed = true;
        report.error = `Error evaluating output '${name}': ${(error as Error).message}`;
      }
    }
    if (environment?.url) {
      try {
        report.environment = { name: environment.name, url: stringOf(evaluateTemplate(environment.url, stepScope)) };
      } catch (error) {
        report.error = `Error evaluating environment url: ${(error as Error).message}`;
      }
    }
    const conclusion: Conclusion =
      runtime.failed || runtime.timedOut ? 'failure' : leg.signal.aborted ? 'cancelled' : 'success';
    const error = runtime.timedOut || leg.signal.aborted ? leg.cancelReason() : report.error;
    return await finish(conclusion, error, outputs);
  } catch (error) {
    return await finish('failure', (error as Error).message);
  }
}

/** The job's machine: directories, token, secrets, masks, environment. */
async function prepare(
  leg: JobLeg,
  def: JobDefinition,
  permissions: Permissions,
  environment: string | undefined,
  cleanups: (() => void | Promise<void>)[],
): Promise<JobRuntime> {
  const { scope } = leg;
  const run = scope.run;
  const services = run.services;
  const settings = environment ? services.settings.environments[environment] : undefined;

  const base = await mkdtemp(path.join(run.dir, `${leg.key.replace(/[^\w.-]+/g, '_')}-`));
  const repoName = run.repository.fullName.split('/')[1]!;
  const dirs = {
    base,
    temp: path.join(base, 'temp'),
    workspace: path.join(base, 'work', repoName, repoName),
    home: path.join(base, 'home'),
    toolCache: path.join(base, 'tool-cache'),
    actions: path.join(base, 'actions'),
  };
  await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
  const eventPath = path.join(dirs.temp, '_github_workflow', 'event.json');
  await mkdir(path.dirname(eventPath), { recursive: true });
  await writeFile(eventPath, JSON.stringify(run.event.payload));

  // The GITHUB_TOKEN: an installation token of the job's permissions, valid until the job ends.
  const token = `ghs_${randomBytes(18).toString('hex')}`;
  services.github.addToken(token, GITHUB_ACTIONS_BOT, { permissions: tokenScopes(permissions) });
  run.tokens.set(token, leg.key);
  cleanups.push(() => services.github.revokeToken(token));

  const secrets: Record<string, string> = { ...scope.secrets, ...settings?.secrets, GITHUB_TOKEN: token };
  const vars = { ...services.settings.variables, ...settings?.variables };
  const masks = new JobMasks();
  for (const value of Object.values(secrets)) masks.add(value);

  const github: Record<string, Json> = {
    ...run.github,
    job: def.id,
    token,
    workspace: dirs.workspace,
    event_path: eventPath,
  };
  const jobEnv: Record<string, string> = {};
  let oidc: Record<string, string> = {};
  if (permissions['id-token'] === 'write') {
    const [owner] = run.repository.fullName.split('/');
    const subject = environment
      ? `environment:${environment}`
      : run.event.name.startsWith('pull_request')
        ? 'pull_request'
        : `ref:${run.identity.ref}`;
    oidc = services.oidc.register({
      sub: `repo:${run.repository.fullName}:${subject}`,
      repository: run.repository.fullName,
      repository_owner: owner!,
      ref: run.identity.ref,
      ref_type: run.identity.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      sha: run.identity.sha,
      ...(environment ? { environment } : {}),
      workflow_ref: String(run.github.workflow_ref),
      job_workflow_ref: `${scope.workflow.repository}/${scope.workflow.file}@${scope.workflow.ref}`,
      event_name: run.event.name,
      run_id: String(run.id),
      run_attempt: '1',
      actor: run.actor,
    });
    const requestToken = oidc.ACTIONS_ID_TOKEN_REQUEST_TOKEN!;
    cleanups.push(() => services.oidc.revoke(requestToken));
  }
  const artifactJob = { workflowRunBackendId: run.artifactRunId, workflowJobRunBackendId: randomUUID() };

  const runtime: JobRuntime = {
    leg,
    def,
    dirs,
    token,
    permissions,
    environment,
    secrets,
    vars,
    masks,
    github,
    oidcEnv: oidc,
    actionsEnv: services.artifacts.env(artifactJob),
    machineEnv: services.settings.machineEnv,
    artifactJob,
    jobEnv,
    exportedEnv: {},
    path: [],
    steps: {},
    failed: false,
    timedOut: false,
    posts: [],
    processGroups: new Set(),
    warnings: [],
    publishedArtifacts: new Set(),
  };
  cleanups.push(() => {
    // The runner's orphan process clean-up: what the steps started and left running.
    for (const pgid of runtime.processGroups) killGroup(pgid, 'SIGKILL');
  });

  // env: the workflow's, then the job's.
  const envScope = { contexts: { ...jobContexts(leg, def.id), secrets } };
  Object.assign(jobEnv, evaluateStringMap(scope.workflow.template.env, envScope));
  Object.assign(
    jobEnv,
    evaluateStringMap((def.job as Job).env, { contexts: { ...envScope.contexts, env: { ...jobEnv } } }),
  );
  return runtime;
}
