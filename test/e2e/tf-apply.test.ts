import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { downloadPlanBundle } from '@iac-actions/shared/github/plan-artifact.ts';
import { planDigest } from '@iac-actions/shared/terraform/plan-digest.ts';
import { readPlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import type { JsonPlan } from '@iac-actions/shared/terraform/plan-types.ts';
import { decrypt } from '@iac-actions/shared/util/encryption.ts';
import type { ArtifactJob } from '../fakes/artifact-service.ts';
import type { ActionEvent } from '../harness/run-action.ts';
import { webhookPayload } from '../harness/webhooks.ts';
import { useEnv } from '../process-env.ts';
import { readDoubleCalls, scenarioDir, type TerraformDoubleOptions } from '../terraform-double/index.ts';
import { REPOSITORY, startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';

// The committed tf-apply bundle after the committed tf-plan bundle, as the
// runner runs them, against the GitHub API and artifact service fakes and the
// Terraform CLI double. Each test is its own workflow run (artifact job).
const VERSION = '1.9.8'; // the double's version
const STACK = 'infra/prod';
const HEAD = 'c0ffee00000000000000000000000000000000a1';
const MERGE = 'feed0000000000000000000000000000000000b2';

describe('tf-apply end to end', () => {
  let world: TerraformWorld;
  beforeAll(async () => {
    world = await startTerraformWorld();
  });
  afterAll(() => world.close());

  function pushEvent(sha: string): ActionEvent {
    const payload = webhookPayload('push');
    Object.assign(payload, { after: sha, ref: 'refs/heads/main' });
    return { name: 'push', payload };
  }

  interface StepOptions {
    workspace: string;
    event: ActionEvent;
    job: ArtifactJob;
    inputs?: Record<string, string>;
    double?: Partial<TerraformDoubleOptions>;
    scenario?: string;
    env?: Record<string, string>;
  }

  async function step(action: 'tf-plan' | 'tf-apply', options: StepOptions) {
    const run = await world.run(action, {
      workspace: options.workspace,
      event: options.event,
      env: { ...world.artifacts.env(options.job), ...options.env },
      // tf-apply installs the version the plan was made with: no `version` needed.
      inputs: { 'working-directory': STACK, ...(action === 'tf-plan' ? { version: VERSION } : {}), ...options.inputs },
      double: { scenario: options.scenario ?? 'replace_within_object', ...options.double },
    });
    // What the job leaves on the runner once main and post ran.
    const leftovers = (await readdir(run.runnerTemp, { recursive: true })).filter((f) => !f.startsWith('harness'));
    await run.cleanup();
    return Object.assign(run, { leftovers });
  }

  /**
   * tf-plan then tf-apply in one push run (the gated apply job after the plan
   * job), which passes the plan job's `plan-digest` output to tf-apply, as
   * `needs.plan.outputs.plan-digest` would, unless `reviewed` is false.
   */
  async function planAndApplyInOneRun(options: {
    plan?: Record<string, string>;
    apply?: Record<string, string>;
    applyDouble?: Partial<TerraformDoubleOptions>;
    reviewed?: boolean;
  }) {
    const workspace = await world.checkout(STACK, 'replace_within_object');
    const job = world.artifacts.newJob();
    const plan = await step('tf-plan', { workspace, job, event: pushEvent(MERGE), inputs: options.plan });
    assert.equal(plan.main.exitCode, 0, plan.main.log);
    const reviewed: Record<string, string> =
      options.reviewed === false ? {} : { 'plan-digest': plan.main.outputs['plan-digest']! };
    const apply = await step('tf-apply', {
      workspace,
      job,
      event: pushEvent(MERGE),
      inputs: { ...reviewed, ...options.apply },
      ...(options.applyDouble ? { double: options.applyDouble } : {}),
    });
    return { plan, apply, job };
  }

  /** A pull request planned in its own run, published as GitHub keeps a finished run's artifacts. */
  async function planPullRequest(
    options: {
      inputs?: Record<string, string>;
      headSha?: string;
      /** Plan again on this pull request and checkout (a re-run of its plan job). */
      again?: { workspace: string; pr: ReturnType<TerraformWorld['pullRequest']> };
      scenario?: string;
    } = {},
  ) {
    const workspace = options.again?.workspace ?? (await world.checkout(STACK, 'replace_within_object'));
    const headSha = options.headSha ?? HEAD;
    const pr = options.again?.pr ?? world.pullRequest({ headSha });
    const job = world.artifacts.newJob();
    const plan = await step('tf-plan', {
      workspace,
      job,
      event: pr.event,
      inputs: options.inputs,
      ...(options.scenario ? { scenario: options.scenario } : {}),
    });
    assert.equal(plan.main.exitCode, 0, plan.main.log);
    const run = world.github.seedWorkflowRun(REPOSITORY, { event: 'pull_request', headSha, pullRequests: [pr.number] });
    world.artifacts.publishToGitHub(world.github, REPOSITORY, {
      name: plan.main.outputs['artifact-name']!,
      runId: run.id,
      job,
    });
    return { workspace, pr, plan, runId: run.id };
  }

  /** Merges the pull request, then runs tf-apply on the push of its merge commit, in a run of its own. */
  async function applyMerged(
    planned: { workspace: string; pr: { number: number } },
    options: Pick<StepOptions, 'inputs' | 'scenario'> = {},
  ) {
    const merged = world.github.mergePullRequest(REPOSITORY, planned.pr.number, { user: 'octocat' });
    return step('tf-apply', {
      workspace: planned.workspace,
      job: world.artifacts.newJob(), // the push run: no artifact of its own
      event: pushEvent(merged.merge_commit_sha!),
      ...options,
    });
  }

  const commands = async (run: { doubleEnv: Record<string, string> }) =>
    (await readDoubleCalls(run.doubleEnv)).map((c) => c.argv.join(' '));

  async function assertRefused(run: Awaited<ReturnType<typeof step>>, reason: string, message: RegExp) {
    assert.equal(run.main.exitCode, 1, run.main.log);
    assert.equal(run.main.outputs['failure-reason'], reason, run.main.log);
    assert.equal(run.main.outputs.applied, 'false');
    assert.match(run.main.log, message);
    assert.match(run.main.summary, new RegExp(`Refused: nothing was applied\\*\\* \\(\`${reason}\`\\)`));
    assert.ok(!(await commands(run)).some((c) => c.startsWith('apply')), 'apply was never invoked');
  }

  /** An artifact of a run, downloaded as a workflow would, into a new directory under `parent`. */
  async function download(t: TestContext, job: ArtifactJob, name: string, parent = world.dir) {
    const destination = await mkdtemp(path.join(parent, 'fetched-'));
    useEnv(t, { ...world.artifacts.env(job), GITHUB_SERVER_URL: 'https://github.com' });
    await downloadPlanBundle({ name, destination });
    return destination;
  }

  const planComments = (pr: number) =>
    world.github
      .comments(REPOSITORY, pr)
      .map((c) => ({ body: c.body ?? '', createdAt: c.created_at, marker: readPlanMarker(c.body ?? '') }))
      .filter((c) => c.marker);
  /** The pull request's current plan comment (the others are outdated). */
  const planComment = (pr: number) => planComments(pr).findLast((c) => c.marker?.status !== 'outdated');

  /**
   * A reviewer approves the pull request's head after reading its current plan
   * comment. GitHub's times have whole seconds, and an approval in the second
   * the comment was posted cannot be told to come after it: the review is
   * given once GitHub's clock (the fake's: the real one) is past that second.
   */
  async function approveAfterPlan(pr: number, user: string) {
    const posted = Date.parse(planComment(pr)!.createdAt);
    while (Math.floor(Date.now() / 1000) * 1000 <= posted) {
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    }
    return world.github.seedReview(REPOSITORY, pr, { user, state: 'APPROVED' });
  }

  it('applies the plan of the same run: backup, apply, outputs, summary', async (t) => {
    const { plan, apply, job } = await planAndApplyInOneRun({
      plan: { variables: 'db_password: s3cret-rotated-weekly' },
    });
    assert.equal(apply.main.exitCode, 0, apply.main.log);
    assert.equal(apply.main.outputs.applied, 'true');
    assert.equal(apply.main.outputs['plan-digest'], plan.main.outputs['plan-digest']);
    // The saved plan is applied, never a fresh one; the state was pulled before it.
    const calls = await commands(apply);
    const pull = calls.findIndex((c) => c === 'state pull');
    const applyCall = calls.findIndex((c) => c.startsWith('apply'));
    assert.ok(pull >= 0 && applyCall > pull, calls.join('\n'));
    assert.match(calls[applyCall]!, /^apply -input=false -no-color -lock-timeout=\S+ \S+\.tfplan$/);
    assert.ok(!calls.some((c) => c.startsWith('plan')));
    // The backup is an artifact of this run holding the state.
    const backup = apply.main.outputs['state-backup-artifact']!;
    assert.match(backup, /^tfstate-infra-prod-[0-9a-f]{8}-default-run4242-1$/);
    const backupDir = await download(t, job, backup);
    const state = JSON.parse(await readFile(path.join(backupDir, 'terraform.tfstate'), 'utf8')) as {
      version: number;
      resources: unknown[];
    };
    assert.equal(state.version, 4);
    assert.ok(Array.isArray(state.resources));
    // outputs-json has Terraform's shape.
    const outputs = JSON.parse(apply.main.outputs['outputs-json']!) as Record<string, { value: unknown }>;
    assert.equal(typeof outputs, 'object');
    for (const output of Object.values(outputs)) assert.ok('value' in output);
    assert.match(apply.main.summary, /✅ Applied\.\*\*/);
    assert.match(apply.main.summary, /Same commit/);
    assert.match(apply.main.summary, /Plan: 1 to add, 0 to change, 1 to destroy\./);
    assert.ok(!apply.visibleText().includes('s3cret-rotated-weekly'));
    assert.deepEqual(
      apply.leftovers.filter((f) => /tfplan|plan\.json|tfstate|iac-actions/.test(f)),
      [],
      'no plan or state left on the runner',
    );
  });

  it('applies after merge from the pull request run, and marks the plan comment applied', async () => {
    const planned = await planPullRequest({ headSha: 'c0ffee00000000000000000000000000000000c3' });
    const { pr, plan } = planned;
    await approveAfterPlan(pr.number, 'hubot');
    const apply = await applyMerged(planned, { inputs: { 'require-pr-approval': 'true' } });
    assert.equal(apply.main.exitCode, 0, apply.main.log);
    assert.equal(apply.main.outputs['plan-digest'], plan.main.outputs['plan-digest']);
    assert.match(apply.main.summary, new RegExp(`the head of #${pr.number}, merged as`));
    assert.match(apply.main.summary, /approved by hubot/);
    const comment = planComment(pr.number);
    assert.equal(comment?.marker?.status, 'applied');
    assert.match(comment?.body ?? '', /> \[!TIP\]\n> Applied in \[run\]/);
    assert.match(comment?.body ?? '', /### Terraform plan for `infra\/prod`/, 'the reviewed plan stays below');
  });

  it('refuses without an approval from someone other than the author', async () => {
    const planned = await planPullRequest({ headSha: 'c0ffee00000000000000000000000000000000d4' });
    const { pr } = planned;
    await approveAfterPlan(pr.number, 'octocat'); // the author
    const apply = await applyMerged(planned, { inputs: { 'require-pr-approval': 'true' } });
    await assertRefused(apply, 'approval-missing', /has no approving review of commit `c0ffee0`/);
    const comment = planComment(pr.number);
    assert.equal(comment?.marker?.status, 'apply-failed');
    assert.match(comment?.body ?? '', /> \[!CAUTION\]\n> Apply refused in \[run\]\(.*\) \(`approval-missing`\)/);
  });

  it('refuses an approval of another commit than the plan’s (approval-stale)', async () => {
    const planned = await planPullRequest({ headSha: 'c0ffee00000000000000000000000000000000d5' });
    const { pr } = planned;
    world.github.seedReview(REPOSITORY, pr.number, { user: 'hubot', state: 'APPROVED', commitId: 'a'.repeat(40) });
    const apply = await applyMerged(planned, { inputs: { 'require-pr-approval': 'true' } });
    await assertRefused(
      apply,
      'approval-stale',
      new RegExp(
        `Pull request #${pr.number} has no approval of plan \`[0-9a-f]{12}…\` for commit \`c0ffee0\` given after it was posted at \\S+ \\(hubot at \\S+ on commit \`aaaaaaa\`\\); approve again after reviewing it`,
      ),
    );
  });

  it('counts only approvals given after the comment of the plan applied: a re-plan with another digest needs a new approval', async () => {
    const first = await planPullRequest({ headSha: 'c0ffee00000000000000000000000000000000d6' });
    const { pr } = first;
    await approveAfterPlan(pr.number, 'hubot');
    // The plan job runs again on the same commit, and the infrastructure moved on meanwhile: another plan.
    const second = await planPullRequest({
      headSha: 'c0ffee00000000000000000000000000000000d6',
      again: first,
      scenario: 'basic_list_update',
    });
    const digest = second.plan.main.outputs['plan-digest']!;
    expect(digest).not.toBe(first.plan.main.outputs['plan-digest']);
    const current = planComment(pr.number)!;
    expect(current.marker?.digest).toBe(digest);

    // After the merge, the push applies the pull request's newest plan, which hubot never approved.
    const merged = world.github.mergePullRequest(REPOSITORY, pr.number, { user: 'octocat' });
    const onPush = (env: Record<string, string> = {}) =>
      step('tf-apply', {
        workspace: first.workspace,
        job: world.artifacts.newJob(),
        event: pushEvent(merged.merge_commit_sha!),
        inputs: { 'require-pr-approval': 'true' },
        scenario: 'basic_list_update',
        env,
      });
    const stale = await onPush();
    await assertRefused(
      stale,
      'approval-stale',
      new RegExp(
        `Pull request #${pr.number} was approved before plan \`${digest.slice(0, 12)}…\` was posted at ${current.createdAt} \\(hubot at \\S+\\); approve again after reviewing it, then run again\\.`,
      ),
    );
    expect(planComment(pr.number)?.marker?.status).toBe('apply-failed');

    // hubot reviews the new plan and approves again: the reviewed bundle of the pull request's newest plan run is applied.
    await approveAfterPlan(pr.number, 'hubot');
    const serverUrl = 'https://octo-corp.ghe.com'; // GitHub Enterprise Cloud with data residency: the link follows GITHUB_SERVER_URL
    const applied = await onPush({ GITHUB_SERVER_URL: serverUrl, GITHUB_RUN_ID: '90210' });
    expect(applied.main.exitCode, applied.main.log).toBe(0);
    expect(applied.main.outputs['plan-digest']).toBe(digest);
    expect(applied.main.summary).toContain(
      `Plan from artifact \`${second.plan.main.outputs['artifact-name']}\` of run ${second.runId}`,
    );
    expect(applied.main.summary).toMatch(
      new RegExp(`the head of #${pr.number}, merged as \`${merged.merge_commit_sha!.slice(0, 7)}\``),
    );
    expect(applied.main.summary).toMatch(/Approved \| #\d+ approved by hubot after the plan comment was posted/);
    const comment = planComment(pr.number)!;
    expect(comment.marker?.status).toBe('applied');
    expect(comment.marker?.digest).toBe(digest);
    expect(comment.body).toContain(
      `> [!TIP]\n> Applied in [run](${serverUrl}/${REPOSITORY}/actions/runs/90210) from commit \`${merged.merge_commit_sha!.slice(0, 7)}\`.`,
    );
    // The earlier plan's comment stays outdated: only the plan applied is marked applied.
    expect(planComments(pr.number).map((c) => c.marker?.status)).toEqual(['outdated', 'applied']);
  });

  it('refuses a plan made for another commit, as GitHub knows the run that made it (plan-stale)', async () => {
    const planned = await planPullRequest({ headSha: 'c0ffee00000000000000000000000000000000a7' });
    // A push of another commit, which merged no pull request, given the plan run's id.
    const apply = await step('tf-apply', {
      workspace: planned.workspace,
      job: world.artifacts.newJob(),
      event: pushEvent('beef'.repeat(10)),
      inputs: { 'plan-run-id': String(planned.runId), 'plan-digest': planned.plan.main.outputs['plan-digest']! },
    });
    await assertRefused(
      apply,
      'plan-stale',
      new RegExp(
        `The plan is stale: it was made for commit \`c0ffee0\` \\(run ${planned.runId}\\), not the commit being applied \\(\`beefbee\`\\)`,
      ),
    );
  });

  it('refuses a plan nobody reviewed: no plan-digest, no key, no pull request comment (plan-not-reviewed)', async () => {
    const { apply } = await planAndApplyInOneRun({ reviewed: false });
    await assertRefused(
      apply,
      'plan-not-reviewed',
      /No reviewed digest is known for this plan.*set `plan-digest` to the tf-plan step's `plan-digest` output/,
    );
    assert.deepEqual(await commands(apply), [], 'refused before any process ran');
  });

  it('refuses an expired plan (plan-expired)', async () => {
    const { apply } = await planAndApplyInOneRun({ apply: { 'max-plan-age': '1ms' } });
    await assertRefused(
      apply,
      'plan-expired',
      /The plan expired: it was made .* ago .*, more than max-plan-age \(1ms\) ago/,
    );
  });

  it('refuses a plan whose digest is not the approved one (plan-changed)', async () => {
    const { apply } = await planAndApplyInOneRun({ apply: { 'plan-digest': 'ab'.repeat(32) } });
    await assertRefused(apply, 'plan-changed', /the plan-digest input approved plan `abababababab`/);
  });

  it('refuses a plan for another version (plan-mismatch)', async () => {
    const versionRun = await planAndApplyInOneRun({ apply: { version: '~> 1.10' } });
    await assertRefused(
      versionRun.apply,
      'plan-mismatch',
      /terraform 1\.9\.8, which does not satisfy version '~> 1\.10'/,
    );
  });

  it('applies a bundle from plan-dir; refuses it for another workspace (plan-mismatch) and once a file was altered (plan-tampered)', async (t) => {
    const workspace = await world.checkout(STACK, 'replace_within_object');
    const job = world.artifacts.newJob();
    const plan = await step('tf-plan', { workspace, job, event: pushEvent(MERGE) });
    const dir = await download(t, job, plan.main.outputs['artifact-name']!, workspace);
    const inputs = { 'plan-dir': path.relative(workspace, dir), 'plan-digest': plan.main.outputs['plan-digest']! };

    const good = await step('tf-apply', { workspace, job: world.artifacts.newJob(), event: pushEvent(MERGE), inputs });
    assert.equal(good.main.exitCode, 0, good.main.log);
    assert.match(good.main.summary, /Plan from directory `fetched-/);

    // The bundle given to another workspace's apply (through an artifact, its name would not even match).
    const otherWorkspace = await step('tf-apply', {
      workspace,
      job: world.artifacts.newJob(),
      event: pushEvent(MERGE),
      inputs: { ...inputs, workspace: 'staging' },
    });
    await assertRefused(otherWorkspace, 'plan-mismatch', /workspace `default`, not `staging`/);

    const text = path.join(dir, 'plan.txt');
    await writeFile(text, `${await readFile(text, 'utf8')}\n(edited after review)\n`);
    const tampered = await step('tf-apply', {
      workspace,
      job: world.artifacts.newJob(),
      event: pushEvent(MERGE),
      inputs,
    });
    await assertRefused(
      tampered,
      'plan-tampered',
      /plan\.txt was altered: its SHA-256 is [0-9a-f]{64}, not [0-9a-f]{64}/,
    );
  });

  it('applies an encrypted plan with its key, encrypts the backup, and refuses a wrong key', async (t) => {
    const key = 'correct horse battery staple';
    // No plan-digest: the bundle, authenticated with the key, carries the digest tf-plan showed.
    const { apply, job } = await planAndApplyInOneRun({
      plan: { 'plan-encryption-key': key },
      apply: { 'plan-encryption-key': key },
      reviewed: false,
    });
    assert.equal(apply.main.exitCode, 0, apply.main.log);
    assert.match(apply.main.summary, /Authenticated/);
    assert.match(apply.main.summary, /equals the authenticated plan bundle/);
    const backupDir = await download(t, job, apply.main.outputs['state-backup-artifact']!);
    assert.deepEqual(await readdir(backupDir), ['terraform.tfstate.enc']);
    const state = await decrypt(await readFile(path.join(backupDir, 'terraform.tfstate.enc')), key);
    assert.equal((JSON.parse(state.toString('utf8')) as { version: number }).version, 4);
    assert.ok(!apply.main.annotations.some((a) => /unencrypted/.test(a.message)));
    assert.deepEqual(
      apply.leftovers.filter((f) => /tfplan|plan\.json|tfstate/.test(f)),
      [],
      'the decrypted plan and the state are gone',
    );

    const wrong = await planAndApplyInOneRun({
      plan: { 'plan-encryption-key': key },
      apply: { 'plan-encryption-key': 'not the key at all' },
    });
    assert.equal(wrong.apply.main.outputs['failure-reason'], 'plan-decryption-failed');
    assert.ok(!(await commands(wrong.apply)).some((c) => c.startsWith('apply')));
  });

  it('refuses a plan file swapped for another plan with the hashes recomputed, after init and before apply (plan-changed)', async (t) => {
    const workspace = await world.checkout(STACK, 'replace_within_object');
    const job = world.artifacts.newJob();
    const reviewed = await step('tf-plan', { workspace, job, event: pushEvent(MERGE) });
    const dir = await download(t, job, reviewed.main.outputs['artifact-name']!, workspace);
    // Another plan of the same stack, as an attacker who can write the artifact would make it.
    const otherJob = world.artifacts.newJob();
    const other = await step('tf-plan', {
      workspace,
      job: otherJob,
      event: pushEvent(MERGE),
      scenario: 'basic_list_update',
    });
    const otherDir = await download(t, otherJob, other.main.outputs['artifact-name']!, workspace);
    assert.notEqual(other.main.outputs['plan-digest'], reviewed.main.outputs['plan-digest']);
    await cp(path.join(otherDir, 'plan.tfplan'), path.join(dir, 'plan.tfplan'));
    const metadataFile = path.join(dir, 'metadata.json');
    const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as { files: Record<string, { sha256: string }> };
    metadata.files['plan.tfplan'] = {
      sha256: createHash('sha256')
        .update(await readFile(path.join(dir, 'plan.tfplan')))
        .digest('hex'),
    };
    await writeFile(metadataFile, JSON.stringify(metadata));

    const apply = await step('tf-apply', {
      workspace,
      job: world.artifacts.newJob(),
      event: pushEvent(MERGE),
      inputs: { 'plan-dir': path.relative(workspace, dir), 'plan-digest': reviewed.main.outputs['plan-digest']! },
    });
    await assertRefused(
      apply,
      'plan-changed',
      /The plan file is not the plan that was reviewed: `terraform show -json` of it gives digest/,
    );
    const calls = await commands(apply);
    assert.ok(
      calls.some((c) => c.startsWith('init')) && calls.some((c) => c.startsWith('show -json')),
      calls.join('\n'),
    );
  });

  it('marks the plan comment applied only when the plan applied is the comment’s', async () => {
    const planned = await planPullRequest({ headSha: 'c0ffee00000000000000000000000000000000a8' });
    const changed = JSON.parse(
      await readFile(path.join(scenarioDir('basic_list_update'), 'plan.json'), 'utf8'),
    ) as JsonPlan;
    // The caller approved the new plan by its digest: it is applied, and it is not the comment's plan.
    const apply = await applyMerged(planned, {
      inputs: { mode: 'replan-and-compare', version: VERSION, 'plan-digest': planDigest(changed) },
      scenario: 'basic_list_update',
    });
    assert.equal(apply.main.exitCode, 0, apply.main.log);
    assert.equal(apply.main.outputs.applied, 'true');
    assert.equal(planComment(planned.pr.number)?.marker?.status, 'planned');
  });

  it('waits for a held lock, saying who holds it, and applies once it is released', async () => {
    const { apply } = await planAndApplyInOneRun({
      apply: { 'lock-timeout': '8s' },
      applyDouble: { lock: 'held-for:1', lockHolder: 'alice@laptop' },
    });
    assert.equal(apply.main.exitCode, 0, apply.main.log);
    assert.match(apply.main.log, /alice@laptop.*Waiting for it \(attempt 1; lock-timeout 8s\)/s);
    assert.equal((await commands(apply)).filter((c) => c.startsWith('apply')).length, 2);
  });

  it('fails with state-locked, naming the holder, when the lock outlasts lock-timeout', async () => {
    const { apply } = await planAndApplyInOneRun({
      apply: { 'lock-timeout': '3s' },
      applyDouble: { lock: 'held', lockHolder: 'alice@laptop' },
    });
    assert.equal(apply.main.exitCode, 1);
    assert.equal(apply.main.outputs['failure-reason'], 'state-locked');
    assert.match(apply.main.log, /alice@laptop/);
    assert.match(apply.main.log, /force-unlock/);
    assert.match(apply.main.log, /Waited 3s \(lock-timeout\) over \d+ attempts/);
    assert.match(apply.main.summary, /❌ Apply failed\*\* \(`state-locked`\)/);
  });

  it('replan-and-compare applies a new plan equal to the reviewed one', async () => {
    const planned = await planPullRequest({ headSha: 'c0ffee00000000000000000000000000000000e5' });
    const { pr, plan } = planned;
    const apply = await applyMerged(planned, { inputs: { mode: 'replan-and-compare', version: VERSION } });
    assert.equal(apply.main.exitCode, 0, apply.main.log);
    assert.equal(apply.main.outputs['plan-digest'], plan.main.outputs['plan-digest']);
    const calls = await commands(apply);
    assert.ok(calls.some((c) => c.startsWith('plan')) && calls.some((c) => c.startsWith('apply')));
    assert.match(apply.main.summary, new RegExp(`the new plan equals the plan comment on #${pr.number}`));
    assert.equal(planComment(pr.number)?.marker?.status, 'applied');
  });

  it('replan-and-compare refuses a new plan that differs, and shows what differs', async () => {
    const planned = await planPullRequest({ headSha: 'c0ffee00000000000000000000000000000000f6' });
    const apply = await applyMerged(planned, {
      inputs: { mode: 'replan-and-compare', version: VERSION },
      scenario: 'basic_list_update', // the infrastructure moved on since the review
    });
    assert.equal(apply.main.outputs['failure-reason'], 'plan-changed', apply.main.log);
    assert.ok(!(await commands(apply)).some((c) => c.startsWith('apply')));
    assert.match(apply.main.summary, /### What differs from the reviewed plan/);
    assert.match(apply.main.summary, /In the reviewed plan, not in the new one:\*\*\n\n- .+: `/);
    assert.match(apply.main.summary, /In the new plan, not in the reviewed one:\*\*\n\n- .+: `/);
  });

  it('says which permission is missing when GitHub refuses the pull request lookup', async () => {
    const fault = world.github.injectFault('GET /repos/*/*/commits/*/pulls', { kind: 'status', status: 403 }, Infinity);
    try {
      const { apply } = await planAndApplyInOneRun({});
      assert.equal(apply.main.outputs['failure-reason'], 'github-api-failed', apply.main.log);
      assert.match(apply.main.log, /HTTP 403.*permissions: pull-requests: read/);
      assert.deepEqual(await commands(apply), [], 'nothing ran');
    } finally {
      fault.cancel();
    }
  });

  it('refuses bad input before running anything', async () => {
    const workspace = await world.checkout(STACK, 'replace_within_object');
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'plan-digest': 'not-a-digest' }, /Input 'plan-digest' must be a SHA-256 of 64 hex digits/],
      [{ mode: 'yolo' }, /Input 'mode' must be one of/],
      [
        { mode: 'replan-and-compare', 'plan-dir': '.' },
        /Input 'plan-dir' cannot be used with `mode: replan-and-compare`/,
      ],
      [{ 'max-plan-age': 'a week' }, /Input 'max-plan-age' must be a positive duration/],
      [{ version: '~> banana' }, /Input 'version' is not a version or constraint/],
    ];
    for (const [inputs, message] of cases) {
      const run = await step('tf-apply', { workspace, job: world.artifacts.newJob(), event: pushEvent(MERGE), inputs });
      assert.equal(run.main.outputs['failure-reason'], 'invalid-input', JSON.stringify(inputs));
      assert.match(run.main.log, message);
      assert.deepEqual(await commands(run), [], 'nothing ran');
    }
  });
});
