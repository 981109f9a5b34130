import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadPlanBundle } from '@iac-actions/shared/github/plan-artifact.ts';
import { readPlanBundle } from '@iac-actions/shared/terraform/plan-bundle.ts';
import { readPlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import { OPENTOFU_FIXTURES } from '../fixtures.ts';
import { closedPortUrl } from '../services/http-app.ts';
import { useEnv } from '../process-env.ts';
import type { ActionEvent } from '../harness/run-action.ts';
import { readDoubleCalls, type TerraformDoubleOptions } from '../terraform-double/index.ts';
import { REPOSITORY, startTerraformWorld, syntheticScenario, type TerraformWorld } from './terraform-setup.ts';

// The committed tf-plan bundle, run as the runner runs it, against the GitHub
// API and artifact service fakes and the Terraform CLI double.
const VERSION = '1.9.8'; // the double's version: an exact version needs no release index

describe('tf-plan end to end', () => {
  let world: TerraformWorld;
  beforeAll(async () => {
    world = await startTerraformWorld();
  });
  afterAll(() => world.close());

  /** tf-plan on `stack` of a fresh checkout of `scenario`, through the CLI double. */
  async function plan(
    scenario: string,
    options: {
      stack?: string;
      event?: ActionEvent;
      inputs?: Record<string, string>;
      double?: TerraformDoubleOptions;
    } = {},
  ) {
    const stack = options.stack ?? 'infra';
    const workspace = await world.checkout(stack, scenario);
    const run = await world.run('tf-plan', {
      workspace,
      ...(options.event ? { event: options.event } : {}),
      inputs: { 'working-directory': stack, version: VERSION, ...options.inputs },
      double: { scenario, ...options.double },
    });
    await run.cleanup();
    return run;
  }

  const planComments = (pr: number) =>
    world.github
      .comments(REPOSITORY, pr)
      .map((c) => ({ ...c, marker: readPlanMarker(c.body ?? '') }))
      .filter((c) => c.marker);

  it('plans a pull request: outputs, one sticky comment, the job summary and the artifact', async () => {
    const workspace = await world.checkout('infra/prod', 'replace_within_object');
    const pr = world.pullRequest();
    const run = await world.run('tf-plan', {
      workspace,
      event: pr.event,
      inputs: {
        'working-directory': 'infra/prod',
        version: VERSION,
        variables: 'regions: [eu-west-1, eu-central-1]\ndb_password: s3cret-rotated-weekly',
      },
      double: { scenario: 'replace_within_object' },
    });
    assert.ok(existsSync(run.runnerTemp));
    assert.ok(!existsSync(path.join(run.runnerTemp, 'iac-actions')), 'post removed the plan files');
    await run.cleanup();
    assert.equal(run.main.exitCode, 0, run.main.log);
    const planCall = (await readDoubleCalls(run.doubleEnv)).find((c) => c.argv[0] === 'plan');
    const varFile = planCall?.files.find((f) => f.path.endsWith('.tfvars.json'));
    assert.deepEqual(JSON.parse(varFile?.content ?? '{}'), {
      regions: ['eu-west-1', 'eu-central-1'],
      db_password: 's3cret-rotated-weekly',
    });
    assert.ok(!run.visibleText().includes('s3cret-rotated-weekly'));
    assert.equal(run.post?.exitCode, 0);
    const out = run.main.outputs;
    // Terraform's own line for this scenario: "Plan: 1 to add, 0 to change, 1 to destroy."
    assert.deepEqual(
      [out.changes, out['to-add'], out['to-change'], out['to-destroy'], out['to-replace'], out.exitcode],
      ['true', '1', '0', '1', '1', '2'],
    );
    assert.match(out['plan-digest'] ?? '', /^[0-9a-f]{64}$/);

    const comments = planComments(pr.number);
    assert.equal(comments.length, 1);
    const body = comments[0]!.body ?? '';
    assert.equal(out['comment-url'], comments[0]!.html_url);
    assert.deepEqual(
      [comments[0]!.marker?.workingDirectory, comments[0]!.marker?.digest, comments[0]!.marker?.commitSha],
      ['infra/prod', out['plan-digest'], 'c0ffee0000000000000000000000000000000001'],
    );
    assert.match(body, /Plan: 1 to add, 0 to change, 1 to destroy \(1 replaced\)\./);
    assert.match(body, /> \[!WARNING\]/);
    assert.match(body, /tfcoremock_object\.object` — an attribute forces replacement/);
    assert.match(run.main.summary, /## Terraform plan for `infra\/prod` · workspace `default`/);
    assert.match(run.main.summary, /# tfcoremock_object\.object must be replaced/);

    const stored = world.artifacts.artifact(out['artifact-name'] ?? '');
    assert.ok(stored, 'the plan bundle was uploaded');
    assert.ok(
      body.includes(
        `[artifact \`${out['artifact-name']}\`](https://github.com/${REPOSITORY}/actions/runs/4242/artifacts/`,
      ),
    );
  });

  it('updates the same comment on re-runs and gives another workspace its own', async () => {
    const workspace = await world.checkout('infra/prod', 'basic_list_update');
    const pr = world.pullRequest({ headSha: 'c0ffee0000000000000000000000000000000002' });
    const plan = (tfWorkspace: string) =>
      world.run('tf-plan', {
        workspace,
        event: pr.event,
        inputs: { 'working-directory': 'infra/prod', version: VERSION, workspace: tfWorkspace },
        double: { scenario: 'basic_list_update' },
      });
    for (let i = 0; i < 3; i++) {
      const run = await plan('default');
      await run.cleanup();
      assert.equal(run.main.exitCode, 0, run.main.log);
    }
    assert.equal(planComments(pr.number).length, 1, 'one comment after three runs');
    const staging = await plan('staging');
    await staging.cleanup();
    assert.equal(staging.main.exitCode, 0, staging.main.log);
    const comments = planComments(pr.number);
    assert.deepEqual(comments.map((c) => c.marker?.workspace).sort(), ['default', 'staging']);
  });

  it('marks the comment of a superseded commit outdated', async () => {
    const workspace = await world.checkout('infra/prod', 'basic_list_update');
    const first = world.pullRequest({ headSha: 'aaaa000000000000000000000000000000000001' });
    const run = (event: typeof first.event) =>
      world.run('tf-plan', {
        workspace,
        event,
        inputs: { 'working-directory': 'infra/prod', version: VERSION },
        double: { scenario: 'basic_list_update' },
      });
    await (await run(first.event)).cleanup();
    const pull = first.event.payload.pull_request as { head: { sha: string } };
    pull.head.sha = 'bbbb000000000000000000000000000000000002';
    await (await run(first.event)).cleanup();
    const comments = planComments(first.number);
    assert.deepEqual(
      comments.map((c) => [c.marker?.commitSha.slice(0, 4), c.marker?.status]),
      [
        ['aaaa', 'outdated'],
        ['bbbb', 'planned'],
      ],
    );
    assert.ok((world.github.comment(REPOSITORY, comments[0]!.id) as unknown as { minimized?: unknown }).minimized);
  });

  it('posts a new comment when planning the same commit again gives another plan, and marks the earlier outdated', async () => {
    const workspace = await world.checkout('infra/prod', 'basic_list_update');
    const pr = world.pullRequest({ headSha: 'dddd000000000000000000000000000000000003' });
    const run = async (scenario: string) => {
      const planned = await world.run('tf-plan', {
        workspace,
        event: pr.event,
        inputs: { 'working-directory': 'infra/prod', version: VERSION },
        double: { scenario },
      });
      await planned.cleanup();
      expect(planned.main.exitCode, planned.main.log).toBe(0);
      return planned;
    };
    const first = await run('basic_list_update');
    const firstComment = planComments(pr.number)[0]!;
    // The state moved on (another apply, a change outside): the same commit now plans differently.
    const second = await run('replace_within_object');
    expect(second.main.outputs['plan-digest']).not.toBe(first.main.outputs['plan-digest']);
    const comments = planComments(pr.number);
    expect(comments.map((c) => [c.id, c.marker?.digest, c.marker?.status])).toEqual([
      [firstComment.id, first.main.outputs['plan-digest'], 'outdated'],
      [expect.any(Number), second.main.outputs['plan-digest'], 'planned'],
    ]);
    expect(comments[1]!.id).not.toBe(firstComment.id);
    expect(second.main.outputs['comment-url']).toBe(comments[1]!.html_url);
    expect(comments[0]!.body).toMatch(
      /> \[!NOTE\]\n> Outdated: planning commit `dddd000` again gave another plan \(`[0-9a-f]{12}`\), in a new comment\. Approvals given before it do not count for it\./,
    );
    expect(
      (world.github.comment(REPOSITORY, firstComment.id) as unknown as { minimized?: unknown }).minimized,
    ).toBeTruthy();

    // The same plan once more: the current comment is updated in place, nothing new is posted.
    const third = await run('replace_within_object');
    expect(third.main.outputs['plan-digest']).toBe(second.main.outputs['plan-digest']);
    expect(planComments(pr.number).map((c) => c.id)).toEqual(comments.map((c) => c.id));
    expect(world.github.comment(REPOSITORY, comments[1]!.id)?.created_at).toBe(comments[1]!.created_at);
  });

  it('comments only as the comment input says, and keeps the bundle local without an artifact', async () => {
    const workspace = await world.checkout('infra', 'no_changes');
    const pr = world.pullRequest();
    const plan = (inputs: Record<string, string>) =>
      world.run('tf-plan', {
        workspace,
        event: pr.event,
        inputs: { 'working-directory': 'infra', version: VERSION, ...inputs },
        double: { scenario: 'no_changes' },
      });
    const quiet = await plan({ comment: 'changes-only', artifact: 'false' });
    await quiet.cleanup();
    assert.equal(quiet.main.exitCode, 0, quiet.main.log);
    assert.deepEqual([quiet.main.outputs.changes, quiet.main.outputs.exitcode], ['false', '0']);
    assert.equal(quiet.main.outputs['artifact-name'], undefined);
    assert.match(quiet.main.outputs['bundle-dir'] ?? '', /runner-temp\/iac-actions\//);
    assert.equal(planComments(pr.number).length, 0, 'changes-only: no comment for a plan without changes');
    const off = await plan({ comment: 'off' });
    await off.cleanup();
    assert.equal(planComments(pr.number).length, 0, 'off: no comment');
    const always = await plan({});
    await always.cleanup();
    assert.match(
      planComments(pr.number)[0]?.body ?? '',
      /\*\*No changes\. Infrastructure matches the configuration\.\*\*/,
    );
  });

  it('keeps a good plan green when the token may not comment', async () => {
    const workspace = await world.checkout('infra', 'basic_map_update');
    const pr = world.pullRequest();
    const fault = world.github.injectFault(
      'POST /repos/*/*/issues/*/comments',
      { kind: 'status', status: 403 },
      Infinity,
    );
    try {
      const run = await world.run('tf-plan', {
        workspace,
        event: pr.event,
        inputs: { 'working-directory': 'infra', version: VERSION },
        double: { scenario: 'basic_map_update' },
      });
      await run.cleanup();
      assert.equal(run.main.exitCode, 0, run.main.log);
      assert.ok(run.main.annotations.some((a) => a.level === 'warning' && /pull-requests: write/.test(a.message)));
      assert.match(run.main.outputs['plan-digest'] ?? '', /^[0-9a-f]{64}$/);
    } finally {
      fault.cancel();
    }
  });

  it('plans a fork pull request without commenting, and says why', async () => {
    const pr = world.pullRequest({ fork: true });
    const run = await plan('basic_map_update', { event: pr.event });
    assert.equal(run.main.exitCode, 0, run.main.log);
    assert.equal(planComments(pr.number).length, 0);
    assert.ok(
      run.main.annotations.some(
        (a) => a.level === 'warning' && /No PR comment: a pull request from a fork/.test(a.message),
      ),
    );
    assert.match(run.main.summary, /Plan: 0 to add, 1 to change, 0 to destroy\./);
  });

  it('fits a 20,000-resource plan in one comment with complete counts', async () => {
    const scenario = await syntheticScenario(world.dir, 20_000);
    const plan = JSON.parse(await readFile(path.join(scenario, 'plan.json'), 'utf8')) as {
      resource_changes: { change: { actions: string[] } }[];
    };
    const creates = plan.resource_changes.filter((r) => r.change.actions.join() === 'create').length;
    const workspace = await world.checkout('fleet', 'basic_list');
    const pr = world.pullRequest();
    const run = await world.run('tf-plan', {
      workspace,
      event: pr.event,
      inputs: { 'working-directory': 'fleet', version: VERSION },
      double: { scenario },
    });
    await run.cleanup();
    assert.equal(run.main.exitCode, 0, run.main.log.slice(-3000));
    const body = planComments(pr.number)[0]?.body ?? '';
    assert.ok(body.length > 0 && body.length <= 65_536, `comment length ${body.length}`);
    assert.match(
      body,
      new RegExp(
        `Plan: ${run.main.outputs['to-add']} to add, ${run.main.outputs['to-change']} to change, ${run.main.outputs['to-destroy']} to destroy`,
      ),
    );
    assert.ok(Number(run.main.outputs['to-add']) >= creates);
    assert.match(body, /lines omitted: the full plan is in the job summary/);
    assert.ok(Buffer.byteLength(run.main.summary) <= 1024 * 1024);
  });

  it('reports a failed plan in the comment, in full, and fails the step', async () => {
    const pr = world.pullRequest();
    const run = await plan('basic_list', { event: pr.event, double: { planError: true } });
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs['failure-reason'], 'plan-failed');
    const comment = planComments(pr.number)[0];
    assert.equal(comment?.marker?.status, 'failed');
    assert.match(comment?.body ?? '', /#### ❌ plan failed/);
    assert.match(run.main.summary, /plan failed/);
    const calls = await readDoubleCalls(run.doubleEnv);
    assert.deepEqual(
      calls.map((c) => c.argv[0]),
      ['version', 'init', 'workspace', 'validate', 'plan'].filter(
        (c, i, all) => all.indexOf(c) === i && calls.some((x) => x.argv[0] === c),
      ),
    );
    assert.ok(calls.some((c) => c.argv[0] === 'plan') && !calls.some((c) => c.argv[0] === 'show'));
  });

  it('turns validation errors into annotations on their file and line, and never plans', async () => {
    const pr = world.pullRequest();
    const run = await plan('basic_list', {
      event: pr.event,
      double: { validate: path.join(OPENTOFU_FIXTURES, 'validate-json/missing_var.json') },
    });
    assert.equal(run.main.exitCode, 1);
    assert.deepEqual([run.main.outputs['failure-reason'], run.main.outputs.exitcode], ['validate-failed', '1']);
    const error = run.main.annotations.find((a) => a.properties.file);
    assert.deepEqual(
      [error?.level, error?.properties.file, error?.properties.line],
      ['error', 'infra/testdata/validate-invalid/missing_var/main.tf', '6'],
    );
    assert.match(planComments(pr.number)[0]?.body ?? '', /#### ❌ validate failed/);
    assert.ok(!(await readDoubleCalls(run.doubleEnv)).some((c) => c.argv[0] === 'plan'));
  });

  it('reports a failed install as install-failed, in the comment too', async () => {
    const workspace = await world.checkout('infra', 'basic_list');
    const pr = world.pullRequest();
    const run = await world.run('tf-plan', {
      workspace,
      event: pr.event,
      inputs: { 'working-directory': 'infra', version: '1.5.7', 'mirror-url': await closedPortUrl() },
      double: { scenario: 'basic_list' },
    });
    await run.cleanup();
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs['failure-reason'], 'install-failed');
    assert.match(planComments(pr.number)[0]?.body ?? '', /#### ❌ Set up terraform failed/);
    assert.match(run.main.summary, /Set up terraform failed/);
  });

  it('names who holds a state lock', async () => {
    const run = await plan('basic_list', {
      inputs: { 'lock-timeout': '1s' },
      double: { lock: 'held', lockHolder: 'alice@build-7' },
    });
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs['failure-reason'], 'state-locked');
    assert.ok(run.main.annotations.some((a) => a.level === 'error' && a.message.includes('alice@build-7')));
  });

  it('keeps the bundle: the artifact downloads byte-identical and verifies', async (t) => {
    const run = await plan('simple_object_update', {
      inputs: { 'plan-encryption-key': 'correct horse battery staple' },
    });
    assert.equal(run.main.exitCode, 0, run.main.log);
    const destination = await mkdtemp(path.join(world.dir, 'download-'));
    useEnv(t, { ...world.artifacts.env(), GITHUB_SERVER_URL: 'https://github.com' });
    const dir = await downloadPlanBundle({ name: run.main.outputs['artifact-name']!, destination });
    const bundle = await readPlanBundle(dir);
    assert.deepEqual(bundle.problems, []);
    assert.equal(bundle.metadata.planDigest, run.main.outputs['plan-digest']);
    assert.equal(bundle.metadata.encrypted, true);
    assert.equal(bundle.metadata.workingDirectory, 'infra');
    assert.ok(!run.main.log.includes('correct horse battery staple'));
  });

  it('refuses bad input before running anything', async () => {
    const workspace = await world.checkout('infra', 'basic_list');
    const run = await world.run('tf-plan', {
      workspace,
      inputs: { 'working-directory': 'infra', comment: 'sometimes' },
      double: { scenario: 'basic_list' },
    });
    await run.cleanup();
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs['failure-reason'], 'invalid-input');
    assert.match(
      run.main.annotations[0]?.message ?? '',
      /^Input 'comment' must be one of always, changes-only, off \(got 'sometimes'\)\.$/,
    );
  });
});
