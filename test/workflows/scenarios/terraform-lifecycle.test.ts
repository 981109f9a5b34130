import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlanMarker, type PlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import { REAL_TERRAFORM } from '../../e2e/real-terraform.ts';
import type { PullRequest } from '../../fakes/github-api/schemas.ts';
import { postgresBinDir } from '../../services/postgres.ts';
import { git } from '../../workflow-runner/git.ts';
import {
  pullRequestEvent,
  type JobReport,
  type RunReport,
  type StepReport,
  type WorkflowEvent,
} from '../../workflow-runner/index.ts';
import {
  ENVIRONMENTS,
  REPOSITORY,
  startReferenceWorld,
  type Environment,
  type ReferenceWorld,
} from './reference-world.ts';

// Scenarios 1 to 4 of the enterprise pipeline (issue 14), through the workflow
// tier with a real terraform and PostgreSQL, on the reference repository's
// terraform.yml caller:
//
// 1. A pull request changes infra/modules/app: the three environments' stacks
//    (which use it) are planned, each with its comment, and infra/global/dns
//    (which does not) is not; a reviewer approves; the pull request merges; on
//    the push, dev, staging and prod apply the bundles reviewed on the pull
//    request, in order, prod after its reviewers approve; each comment is
//    marked applied with a link to the run. A rejection of prod stops prod.
// 2. A new commit after the approval gives a new plan comment with another
//    digest: the earlier approval no longer counts (`approval-stale`) until
//    someone approves after the new comment.
// 3. Another pull request merged first to the same stack: the reviewed plan is
//    stale (`plan-stale`); with `mode: replan-and-compare` it is applied only
//    when planning again gives the reviewed digest, else tf-apply says what
//    differs.
// 4. Two applies of one stack at once: PostgreSQL's lock holds one, the other
//    waits up to `lock-timeout`, then says who holds it.
//
// One world for the file: the scenarios run in order, each on the state the
// previous ones left. Besides the reference callers, the test repository gets
// two workflows of the test's own on main (see `testWorkflows`).

if (!REAL_TERRAFORM) throw new Error('the workflow scenarios need a real terraform or tofu on PATH');

const CALLER = '.github/workflows/terraform.yml';
/** The reference caller with a short lock-timeout (scenario 4). */
const SHORT_LOCK_CALLER = '.github/workflows/terraform-short-lock.yml';
const SHORT_LOCK_TIMEOUT = '10s';
/** The reference caller with terraform.yml's `apply-mode: replan-and-compare` (scenario 3). */
const REPLAN_WORKFLOW = '.github/workflows/terraform-replan.yml';

let world: ReferenceWorld;
const heldLocks: HeldLock[] = [];

beforeAll(async () => {
  world = await startReferenceWorld();
  await world.pushToMain(await testWorkflows());
});
afterAll(async () => {
  // A failed test may leave its lock holder running.
  await Promise.all(heldLocks.map((lock) => lock.release()));
  await world?.close();
});

describe('scenario 1: a module change, planned, reviewed, merged and applied environment by environment', () => {
  let pull: PullRequest;

  it('plans exactly the stacks that use the module, one comment each', async () => {
    const opened = await world.openPullRequest('wider-app', {
      'infra/modules/app/main.tf': `${await mainText('infra/modules/app/main.tf')}\n# one more replica\n`,
    });
    pull = opened.pull;
    const report = await world.run(CALLER, opened.event);
    expect(report.conclusion, diagnose(report)).toBe('success');
    const plans = report.jobs.filter((j) => j.id === 'plan' && j.matrix);
    expect(plans.map((j) => j.name).sort()).toEqual([
      'terraform / plan dev infra/environments/dev',
      'terraform / plan prod infra/environments/prod',
      'terraform / plan staging infra/environments/staging',
    ]);
    expect(report.jobs.filter((j) => j.id === 'apply' && j.matrix)).toEqual([]);
    const comments = planComments(pull).map((c) => c.marker);
    expect(comments.map((m) => `${m.label} ${m.workingDirectory} ${m.status}`).sort()).toEqual([
      'dev infra/environments/dev planned',
      'prod infra/environments/prod planned',
      'staging infra/environments/staging planned',
    ]);
    for (const marker of comments) expect(marker.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('after an approval and the merge, applies the reviewed bundles: dev, staging, then prod once its reviewers approve', async () => {
    const reviewed = Object.fromEntries(ENVIRONMENTS.map((env) => [env, currentPlan(pull, env).marker]));
    const before = await serials();
    world.approve(pull); // bob, after the comments were posted
    const report = await world.run(CALLER, await world.merge(pull));
    expect(report.conclusion, diagnose(report)).toBe('success');

    // No plan on main: the applies use the pull request's bundles.
    expect(report.jobs.filter((j) => j.id === 'plan').map((j) => [j.conclusion, j.matrix])).toEqual([
      ['skipped', undefined],
    ]);
    const legs = ENVIRONMENTS.map((env) => applyLeg(report, env));
    expect(legs.map((j) => [j.matrix?.environment, j.conclusion])).toEqual([
      ['dev', 'success'],
      ['staging', 'success'],
      ['prod', 'success'],
    ]);
    // One after another, in the order of `environments`.
    const [dev, staging, prod] = legs as [JobReport, JobReport, JobReport];
    expect(dev.completedSeq!).toBeLessThan(staging.startedSeq!);
    expect(staging.completedSeq!).toBeLessThan(prod.startedSeq!);
    // dev and staging ask nobody; prod waits for one of its reviewers, asked once staging is done.
    expect([dev.approvals, staging.approvals]).toEqual([[], []]);
    expect(prod.approvals).toMatchObject([
      { environment: 'prod', reviewers: ['alice', 'carol'], state: 'approved', by: 'alice' },
    ]);
    expect(prod.approvals[0]!.requestedSeq).toBeGreaterThan(staging.completedSeq!);
    expect(prod.approvals[0]!.decidedSeq).toBeLessThan(prod.startedSeq!);
    expect(report.approvals.map((a) => a.environment)).toEqual(['prod']);

    for (const env of ENVIRONMENTS) {
      const step = applyStep(applyLeg(report, env));
      // The bundle reviewed on the pull request: its artifact, of the plan run, with the comment's digest.
      expect(step.outputs['plan-digest'], step.log).toBe(reviewed[env]!.digest);
      expect(step.outputs.applied).toBe('true');
      expect(step.summary).toContain(
        `Plan from artifact \`${reviewed[env]!.artifactName}\` of run ${reviewed[env]!.runId}`,
      );
      expect(step.summary).toMatch(/Approved \| #\d+ approved by bob after the plan comment was posted/);
      // The comment shows the plan was applied, by this run.
      const comment = currentPlan(pull, env);
      expect(comment.marker).toMatchObject({ status: 'applied', digest: reviewed[env]!.digest });
      expect(comment.body).toMatch(
        new RegExp(`Applied in \\[run\\]\\([^)]*/${REPOSITORY}/actions/runs/${report.id}\\)`),
      );
    }
    const after = await serials();
    for (const env of ENVIRONMENTS) expect(after[env], env).toBeGreaterThan(before[env] ?? -1);

    // The workflow's outputs: each environment's Terraform outputs.
    const outputs = workflowOutputs(report);
    expect(Object.keys(outputs).sort()).toEqual(['dev', 'prod', 'staging']);
    for (const env of ENVIRONMENTS) {
      expect(outputs[env]!.hosts!.value).toEqual({ app: ['127.0.0.1'] });
      expect(outputs[env]!.app_url!.value).toBe(world.appUrl(env));
    }
    expect(report.job('terraform').outputs.applied).toBe('true');
  });

  it("stops at prod when prod's reviewer rejects: dev and staging applied, prod's state unchanged", async () => {
    const moduleText = await mainText('infra/modules/app/main.tf');
    const changed = moduleText.replace(
      'APP_PORT = tostring(var.port) }',
      'APP_PORT = tostring(var.port), APP_REVISION = "2" }',
    );
    expect(changed).not.toBe(moduleText);
    const { pull: revision, event } = await world.openPullRequest('app-revision', {
      'infra/modules/app/main.tf': changed,
    });
    expect((await world.run(CALLER, event)).conclusion).toBe('success');
    const reviewed = Object.fromEntries(ENVIRONMENTS.map((env) => [env, currentPlan(revision, env).marker]));
    world.approve(revision);
    const push = await world.merge(revision);
    const before = await serials();

    const approving = world.runner.settings.reviewer;
    world.runner.settings.reviewer = () => ({ approve: false, by: 'carol', comment: 'Not during the freeze.' });
    let report: RunReport;
    try {
      report = await world.run(CALLER, push);
    } finally {
      world.runner.settings.reviewer = approving;
    }

    expect(report.conclusion).toBe('failure');
    expect(
      (['dev', 'staging'] as const).map((env) => applyLeg(report, env).conclusion),
      diagnose(report),
    ).toEqual(['success', 'success']);
    for (const env of ['dev', 'staging'] as const) {
      expect(applyStep(applyLeg(report, env)).outputs['plan-digest']).toBe(reviewed[env]!.digest);
      expect(currentPlan(revision, env).marker.status).toBe('applied');
    }
    const prod = applyLeg(report, 'prod');
    expect(prod.conclusion).toBe('failure');
    expect(prod.error).toMatch(/rejected by carol/);
    expect(prod.approvals).toMatchObject([{ environment: 'prod', state: 'rejected', by: 'carol' }]);
    // Its steps never ran: nothing applied, the comment still a plan.
    expect(prod.steps.filter((s) => s.conclusion !== 'skipped')).toEqual([]);
    expect(currentPlan(revision, 'prod').marker.status).toBe('planned');

    const after = await serials();
    expect(after.dev).toBeGreaterThan(before.dev ?? -1);
    expect(after.staging).toBeGreaterThan(before.staging ?? -1);
    expect(after.prod).toBe(before.prod);
    // The outputs are those of the environments applied; `applied` is false.
    expect(Object.keys(workflowOutputs(report)).sort()).toEqual(['dev', 'staging']);
    expect(report.job('terraform').outputs.applied).toBe('false');
  });
});

describe('scenario 2: a new plan after the approval asks for a new approval', () => {
  it('refuses the apply with approval-stale until someone approves after the new plan comment', async () => {
    const tfvars = 'infra/environments/staging/terraform.tfvars';
    const text = await mainText(tfvars);
    const warn = text.replace('LOG_LEVEL = "info"', 'LOG_LEVEL = "warn"');
    expect(warn).not.toBe(text);
    const { pull, event } = await world.openPullRequest('staging-log-level', { [tfvars]: warn });
    expect((await world.run(CALLER, event)).conclusion).toBe('success');
    const first = currentPlan(pull, 'staging');
    world.approve(pull);

    // A new commit: a new plan, in a new comment; the first is outdated.
    const synchronize = await world.pushToPullRequest(pull, {
      [tfvars]: warn.replace('LOG_LEVEL = "warn"', 'LOG_LEVEL = "warn"\n  FEATURE   = "on"'),
    });
    const replanned = await world.run(CALLER, synchronize);
    expect(replanned.conclusion, diagnose(replanned)).toBe('success');
    const stagingComments = planComments(pull, 'staging');
    expect(stagingComments).toHaveLength(2);
    const second = currentPlan(pull, 'staging');
    expect(second.id).not.toBe(first.id);
    expect(second.marker.digest).not.toBe(first.marker.digest);
    expect(second.marker.commitSha).toBe(pull.head.sha);
    expect(stagingComments.find((c) => c.id === first.id)!.marker.status).toBe('outdated');
    expect(Date.parse(second.createdAt)).toBeGreaterThan(Date.parse(first.createdAt));

    const push = await world.merge(pull);
    const before = await world.stateSerial('staging');
    const refused = await world.run(CALLER, push);
    expect(refused.conclusion).toBe('failure');
    const leg = applyLeg(refused, 'staging');
    const step = applyStep(leg);
    expect(step.outputs['failure-reason'], step.log).toBe('approval-stale');
    expect(step.outputs.applied).toBe('false');
    expect(step.log).toMatch(
      new RegExp(`Pull request #${pull.number} has no approval of plan \`${second.marker.digest!.slice(0, 12)}`),
    );
    expect(step.summary).toContain('Refused: nothing was applied');
    expect(await world.stateSerial('staging')).toBe(before);
    expect(currentPlan(pull, 'staging').marker.status).toBe('apply-failed');
    expect(currentPlan(pull, 'staging').body).toContain('`approval-stale`');

    // An approval after the new comment: the same push applies the new plan.
    world.approve(pull, 'carol');
    const applied = await world.run(CALLER, push);
    expect(applied.conclusion, diagnose(applied)).toBe('success');
    const appliedStep = applyStep(applyLeg(applied, 'staging'));
    expect(appliedStep.outputs['plan-digest']).toBe(second.marker.digest);
    expect(appliedStep.summary).toMatch(/approved by carol after the plan comment was posted/);
    expect(currentPlan(pull, 'staging').marker.status).toBe('applied');
    expect(await world.stateSerial('staging')).toBeGreaterThan(before ?? -1);
  });

  it('does the same when planning the same commit again gives another digest (the state moved on)', async () => {
    // E adds a host to staging; F, merged and applied first, adds another through a file E's overrides: planning
    // E's commit again on the new main also destroys F's host.
    const e = await world.openPullRequest('staging-host-e', {
      'infra/environments/staging/hosts-b.auto.tfvars': 'hosts = ["127.0.0.1", "127.0.0.2"]\n',
    });
    const f = await world.openPullRequest('staging-host-f', {
      'infra/environments/staging/hosts-a.auto.tfvars': 'hosts = ["127.0.0.1", "127.0.0.3"]\n',
    });
    await planTogether(e, f);
    const first = currentPlan(e.pull, 'staging');
    world.approve(e.pull);
    world.approve(f.pull);
    expect((await world.run(CALLER, await world.merge(f.pull))).conclusion).toBe('success');

    // The same head commit planned again (the pull request reopened): another plan, in a new comment.
    const replanned = await world.run(CALLER, pullRequestEvent(e.pull, 'reopened'));
    expect(replanned.conclusion, diagnose(replanned)).toBe('success');
    const second = currentPlan(e.pull, 'staging');
    expect(second.marker.commitSha).toBe(first.marker.commitSha);
    expect(second.id).not.toBe(first.id);
    expect(second.marker.digest).not.toBe(first.marker.digest);
    const outdated = planComments(e.pull, 'staging').find((c) => c.id === first.id)!;
    expect(outdated.marker.status).toBe('outdated');
    expect(outdated.body).toContain(`again gave another plan (\`${second.marker.digest!.slice(0, 12)}\`)`);

    const push = await world.merge(e.pull);
    const before = await world.stateSerial('staging');
    const refused = await world.run(CALLER, push);
    const step = applyStep(applyLeg(refused, 'staging'));
    expect(step.outputs['failure-reason'], step.log).toBe('approval-stale');
    expect(step.log).toMatch(
      new RegExp(`#${e.pull.number} was approved before plan \`${second.marker.digest!.slice(0, 12)}…\` was posted`),
    );
    expect(await world.stateSerial('staging')).toBe(before);

    world.approve(e.pull);
    const applied = await world.run(CALLER, push);
    expect(applied.conclusion, diagnose(applied)).toBe('success');
    expect(applyStep(applyLeg(applied, 'staging')).outputs['plan-digest']).toBe(second.marker.digest);
    expect(currentPlan(e.pull, 'staging').marker.status).toBe('applied');
    expect(await world.stateSerial('staging')).toBeGreaterThan(before ?? -1);
  });
});

describe('scenario 3: another pull request merged first to the same stack', () => {
  it('refuses the stale reviewed plan (plan-stale); replan-and-compare applies it when planning again gives the reviewed digest', async () => {
    // Both from the same main, both planned and approved: A turns a feature on, B moves dev's network.
    const tfvars = 'infra/environments/dev/terraform.tfvars';
    const text = await mainText(tfvars);
    const a = await world.openPullRequest('dev-feature', {
      'infra/environments/dev/feature.auto.tfvars': 'app_settings = {\n  LOG_LEVEL = "debug"\n  FEATURE   = "on"\n}\n',
    });
    const moved = text.replace('cidr        = "10.10.0.0/16"', 'cidr        = "10.11.0.0/16"');
    expect(moved).not.toBe(text);
    const b = await world.openPullRequest('dev-network', { [tfvars]: moved });
    await planTogether(a, b);
    const reviewedA = currentPlan(a.pull, 'dev').marker;
    world.approve(a.pull);
    world.approve(b.pull);

    const first = await world.run(CALLER, await world.merge(b.pull));
    expect(first.conclusion, diagnose(first)).toBe('success');
    expect(first.jobs.filter((j) => j.id === 'apply' && j.matrix).map((j) => j.matrix?.environment)).toEqual(['dev']);

    const push = await world.merge(a.pull);
    const before = await world.stateSerial('dev');
    const stale = await world.run(CALLER, push);
    expect(stale.conclusion).toBe('failure');
    const step = applyStep(applyLeg(stale, 'dev'));
    expect(step.outputs['failure-reason'], step.log).toBe('plan-stale');
    expect(step.outputs.applied).toBe('false');
    expect(step.log).toMatch(/The state changed since the plan was made \(terraform: "Saved plan is stale"\)/);
    expect(step.log).toContain('Nothing was applied');
    expect(await world.stateSerial('dev')).toBe(before);
    expect(currentPlan(a.pull, 'dev').marker.status).toBe('apply-failed');
    expect(currentPlan(a.pull, 'dev').body).toContain('`plan-stale`');

    // Planning the merged main again gives the reviewed changes (B's network is in the state now): applied.
    const replanned = await world.run(REPLAN_WORKFLOW, push);
    expect(replanned.conclusion, diagnose(replanned)).toBe('success');
    const replan = applyStep(applyLeg(replanned, 'dev'));
    expect(replan.outputs['plan-digest']).toBe(reviewedA.digest);
    expect(replan.outputs.applied).toBe('true');
    expect(replan.summary).toContain(`Approved digest | the new plan equals the plan comment on #${a.pull.number}`);
    expect(await world.stateSerial('dev')).toBeGreaterThan(before ?? -1);
    expect(currentPlan(a.pull, 'dev').marker.status).toBe('applied');
  });

  it('with replan-and-compare, refuses when planning again gives another plan, and says what differs', async () => {
    // C adds a host; D, merged first, adds another through a file C's overrides: planning C on the merged main
    // would also destroy D's host.
    const c = await world.openPullRequest('dev-host-c', {
      'infra/environments/dev/hosts-b.auto.tfvars': 'hosts = ["127.0.0.1", "127.0.0.2"]\n',
    });
    const d = await world.openPullRequest('dev-host-d', {
      'infra/environments/dev/hosts-a.auto.tfvars': 'hosts = ["127.0.0.1", "127.0.0.3"]\n',
    });
    await planTogether(c, d);
    const reviewedC = currentPlan(c.pull, 'dev').marker;
    world.approve(c.pull);
    world.approve(d.pull);
    expect((await world.run(CALLER, await world.merge(d.pull))).conclusion).toBe('success');

    const push = await world.merge(c.pull);
    const before = await world.stateSerial('dev');
    const report = await world.run(REPLAN_WORKFLOW, push);
    expect(report.conclusion).toBe('failure');
    const step = applyStep(applyLeg(report, 'dev'));
    expect(step.outputs['failure-reason'], step.log).toBe('plan-changed');
    expect(step.outputs.applied).toBe('false');
    expect(step.log).toContain(`the reviewed plan has digest ${reviewedC.digest!.slice(0, 12)}`);
    expect(step.summary).toContain('### What differs from the reviewed plan');
    const differs = step.summary.slice(step.summary.indexOf('### What differs'));
    expect(differs).toMatch(/In the new plan, not in the reviewed one:\*\*\n\n- [^\n]*127\.0\.0\.3/);
    expect(await world.stateSerial('dev')).toBe(before);
    expect(currentPlan(c.pull, 'dev').marker.status).toBe('apply-failed');
  });
});

describe('scenario 4: two applies of one stack at once', () => {
  let pull: PullRequest;
  let push: WorkflowEvent;
  let before: number | undefined;

  beforeAll(async () => {
    const opened = await world.openPullRequest('staging-image', {
      'infra/environments/staging/image.auto.tfvars': 'image_repository = "registry.example.com/example/app-next"\n',
    });
    pull = opened.pull;
    expect((await world.run(CALLER, opened.event)).conclusion).toBe('success');
    world.approve(pull);
    push = await world.merge(pull);
    before = await world.stateSerial('staging');
  });

  it("waits up to lock-timeout while another session holds staging's state lock, then says who holds it; nothing applied", async () => {
    const lock = await holdStateLock('staging');
    expect(await stateLockHolders('staging')).toEqual([lock.pid]);

    const report = await world.run(SHORT_LOCK_CALLER, push);
    expect(report.conclusion).toBe('failure');
    const step = applyStep(applyLeg(report, 'staging'));
    expect(step.outputs['failure-reason'], step.log).toBe('state-locked');
    expect(step.outputs.applied).toBe('false');
    // It waited, saying so, for lock-timeout.
    expect(step.log).toMatch(new RegExp(`Waiting for it \\(attempt 1; lock-timeout ${SHORT_LOCK_TIMEOUT}\\)`));
    expect(step.log).toMatch(new RegExp(`Waited ${SHORT_LOCK_TIMEOUT} \\(lock-timeout\\) over \\d+ attempts`));
    // Who holds it: another PostgreSQL session, and how to find it (the pg backend does not name the holder).
    expect(step.log).toMatch(
      /locked by another session of the PostgreSQL backend \(Workspace is already locked: default\)/,
    );
    expect(step.log).toMatch(/`pg_locks` with locktype 'advisory', joined to `pg_stat_activity`/);
    expect(step.log).toMatch(/pg_terminate_backend\(pid\)/);
    expect(step.summary).toContain('(`state-locked`)');
    expect(await world.stateSerial('staging')).toBe(before);
    expect(currentPlan(pull, 'staging').marker.status).toBe('apply-failed');
    expect(currentPlan(pull, 'staging').body).toContain('`state-locked`');

    // The way the message tells to find the holder finds this session.
    expect(await sessionsHoldingAdvisoryLocks('staging')).toContain(lock.pid);
    await lock.release();
  });

  it('goes on once the holder lets go while it waits, and applies', async () => {
    const lock = await holdStateLock('staging');
    // Released when the apply says it waits for the lock: the rest of lock-timeout is left to take it.
    world.runner.settings.onLog = ({ step, line }) => {
      if (/tf-apply/.test(step) && /Waiting for it \(attempt 1;/.test(line)) void lock.release();
    };
    let report: RunReport;
    try {
      report = await world.run(SHORT_LOCK_CALLER, push);
    } finally {
      delete world.runner.settings.onLog;
      await lock.release();
    }
    expect(report.conclusion, diagnose(report)).toBe('success');
    const step = applyStep(applyLeg(report, 'staging'));
    expect(step.log).toMatch(/locked by another session of the PostgreSQL backend/);
    expect(step.log).toMatch(/Waiting for it \(attempt 1;/);
    expect(step.log).toMatch(/Apply complete!/);
    expect(step.outputs.applied).toBe('true');
    expect(step.outputs['plan-digest']).toBe(currentPlan(pull, 'staging').marker.digest);
    expect(currentPlan(pull, 'staging').marker.status).toBe('applied');
    expect(await world.stateSerial('staging')).toBeGreaterThan(before ?? -1);
  });
});

// ---------------------------------------------------------------------------

/**
 * The test's own workflows, committed to main before the scenarios:
 * - the reference caller with `lock-timeout: 10s` instead of 5m (scenario 4), so that a held lock fails the apply in
 *   seconds; everything else is the caller's, line for line;
 * - the reference caller with `apply-mode: replan-and-compare` (scenario 3): the merged commit is planned again and
 *   applied only when its digest is the reviewed one.
 */
async function testWorkflows(): Promise<Record<string, string>> {
  const caller = await mainText(CALLER);
  const shortLock = caller
    .replace(/^name: terraform$/m, 'name: terraform (short lock-timeout)')
    .replace(/^(\s+lock-timeout:) 5m$/m, `$1 ${SHORT_LOCK_TIMEOUT}`);
  if (!shortLock.includes(`lock-timeout: ${SHORT_LOCK_TIMEOUT}`) || !shortLock.includes('(short lock-timeout)')) {
    throw new Error(`${CALLER} no longer has 'name: terraform' and 'lock-timeout: 5m': update the test's variant`);
  }
  const replan = caller
    .replace(/^name: terraform$/m, 'name: terraform (replan-and-compare)')
    .replace(/^(\s+)require-pr-approval: true$/m, '$1require-pr-approval: true\n$1apply-mode: replan-and-compare');
  if (!replan.includes('apply-mode: replan-and-compare')) {
    throw new Error(`${CALLER} no longer has 'require-pr-approval: true': update the test's variant`);
  }
  return { [SHORT_LOCK_CALLER]: shortLock, [REPLAN_WORKFLOW]: replan };
}

/** The plan runs of pull requests opened together, run at once as GitHub would. */
async function planTogether(...opened: { event: WorkflowEvent }[]): Promise<void> {
  const reports = await Promise.all(opened.map(({ event }) => world.run(CALLER, event)));
  for (const report of reports) expect(report.conclusion, diagnose(report)).toBe('success');
}

/** A file as it is on main (the checkout may be on a pull request's branch). */
function mainText(file: string): Promise<string> {
  return git(world.repo.dir, ['show', `main:${file}`]);
}

interface PlanComment {
  id: number;
  body: string;
  createdAt: string;
  marker: PlanMarker;
}

/** The pull request's plan comments (of one environment), oldest first. */
function planComments(pull: PullRequest, environment?: Environment): PlanComment[] {
  return world.github.comments(REPOSITORY, pull.number).flatMap((c) => {
    const marker = readPlanMarker(c.body ?? '');
    if (!marker || (environment && marker.label !== environment)) return [];
    return [{ id: c.id, body: c.body ?? '', createdAt: c.created_at, marker }];
  });
}

/** The environment's current plan comment: the only one not outdated. */
function currentPlan(pull: PullRequest, environment: Environment): PlanComment {
  const current = planComments(pull, environment).filter((c) => c.marker.status !== 'outdated');
  expect(current, `the current plan comment of ${environment} on #${pull.number}`).toHaveLength(1);
  return current[0]!;
}

/** terraform.yml's apply job of an environment. */
function applyLeg(report: RunReport, environment: Environment): JobReport {
  const leg = report.jobs.find((j) => j.id === 'apply' && j.matrix?.environment === environment);
  if (!leg) throw new Error(`run ${report.id} has no apply of ${environment}\n${diagnose(report)}`);
  return leg;
}

/** The tf-apply step of a job (its main step, not the post step). */
function applyStep(job: JobReport): StepReport {
  const step = job.steps.find((s) => s.id === 'apply' && !s.post);
  if (!step) throw new Error(`job ${job.name} has no tf-apply step (${job.conclusion}: ${job.error ?? ''})`);
  return step;
}

/** terraform.yml's `outputs` output: each environment's Terraform outputs. */
function workflowOutputs(report: RunReport): Record<string, Record<string, { value: unknown }>> {
  return JSON.parse(report.job('terraform').outputs.outputs ?? '') as Record<
    string,
    Record<string, { value: unknown }>
  >;
}

async function serials(): Promise<Record<Environment, number | undefined>> {
  const values = await Promise.all(ENVIRONMENTS.map((env) => world.stateSerial(env)));
  return Object.fromEntries(ENVIRONMENTS.map((env, i) => [env, values[i]])) as Record<Environment, number | undefined>;
}

/** What went wrong in a run, for an assertion's message: each failed job and the end of its failed step's log. */
function diagnose(report: RunReport): string {
  const failed = report.jobs.filter((j) => j.conclusion === 'failure');
  return [
    `run ${report.id} ${report.conclusion} ${report.errors.join('; ')}`,
    ...failed.map((j) => {
      const step = j.steps.find((s) => s.conclusion === 'failure');
      return `${j.name}: ${j.error ?? ''}${step ? `\n${step.log.split('\n').slice(-25).join('\n')}` : ''}`;
    }),
  ].join('\n');
}

interface HeldLock {
  /** The holding session's backend pid. */
  pid: number;
  release(): Promise<void>;
}

/**
 * Holds the pg backend's lock on an environment's state from outside GitHub:
 * a psql session takes the advisory lock Terraform takes (on the id of the
 * workspace's row in `states`) and keeps it until released.
 */
async function holdStateLock(environment: Environment): Promise<HeldLock> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is missing');
  const child = spawn(
    path.join(bin, 'psql'),
    [
      '--no-psqlrc',
      '--no-password',
      '--quiet',
      '--no-align',
      '--tuples-only',
      '--set=ON_ERROR_STOP=1',
      `--host=${world.pg.host}`,
      `--port=${world.pg.port}`,
      `--username=${world.pg.user}`,
      `--dbname=tfstate_${environment}`,
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        PGPASSWORD: world.pg.password,
        // The test run's marker: a session left running is found (test/setup/no-leftover-processes.ts).
        ...(process.env.IAC_ACTIONS_TEST_RUN ? { IAC_ACTIONS_TEST_RUN: process.env.IAC_ACTIONS_TEST_RUN } : {}),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const held = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^(\d+)\|/m.exec(stdout);
      if (line) resolve(Number(line[1]));
    });
    void exited.then(() => reject(new Error(`psql ended before it held the lock: ${stderr}${stdout}`)));
  });
  let released: Promise<void> | undefined;
  const lock: HeldLock = {
    pid: 0,
    release: () =>
      (released ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.stdin.end('\\q\n');
        await exited;
      })()),
  };
  heldLocks.push(lock);
  child.stdin.write(
    `SELECT pg_backend_pid(), pg_advisory_lock(id) FROM "${environment}_app".states WHERE name = 'default';\n`,
  );
  lock.pid = await held;
  return lock;
}

/** The sessions granted the pg backend's advisory lock on the environment's state row. */
async function stateLockHolders(environment: Environment): Promise<number[]> {
  const rows = await world.pg.query(
    `SELECT l.pid FROM pg_locks l JOIN "${environment}_app".states s
       ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND ((l.classid::bigint << 32) | l.objid::bigint) = s.id
     WHERE s.name = 'default' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    `tfstate_${environment}`,
  );
  return rows.map((row) => Number(row[0]));
}

/** What tf-apply's message says to look at: `pg_locks` with locktype 'advisory', joined to `pg_stat_activity`. */
async function sessionsHoldingAdvisoryLocks(environment: Environment): Promise<number[]> {
  const rows = await world.pg.query(
    `SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()`,
    `tfstate_${environment}`,
  );
  return rows.map((row) => Number(row[0]));
}
