import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlanMarker } from '@iac-actions/shared/terraform/plan-marker.ts';
import { isRunning, readDoubleCalls, readHungProcesses } from '../terraform-double/index.ts';
import { REPOSITORY, startTerraformWorld, type TerraformWorld } from './terraform-setup.ts';
import { filesHolding, runText, secretFormsIn } from './terraform-secrets.ts';

// What tf-plan guards against, end to end through the committed bundle and
// the Terraform CLI double: secrets Terraform's errors quote, the step's
// inputs in a child's environment, backend credentials left on disk, a
// command that never ends, and a GitHub API that loses or refuses writes.
const VERSION = '1.9.8'; // the double's version: an exact version needs no release index

describe('tf-plan guards', () => {
  let world: TerraformWorld;
  beforeAll(async () => {
    world = await startTerraformWorld();
  });
  afterAll(() => world.close());

  const planComments = (pr: number) =>
    world.github.comments(REPOSITORY, pr).filter((c) => readPlanMarker(c.body ?? ''));

  it('masks a secret an error quotes, in every form, whether from variables or TF_VAR_* of the step', async () => {
    const secret = 'Quoted-S3cret/P@ss word';
    for (const source of ['variables', 'environment'] as const) {
      const workspace = await world.checkout('infra', 'basic_list');
      const pr = world.pullRequest();
      const run = await world.run('tf-plan', {
        workspace,
        event: pr.event,
        inputs: {
          'working-directory': 'infra',
          version: VERSION,
          ...(source === 'variables' ? { variables: `db_password: ${JSON.stringify(secret)}` } : {}),
        },
        env: source === 'environment' ? { TF_VAR_db_password: secret } : {},
        double: { scenario: 'basic_list', planError: { quote: 'db_password' } },
      });
      await run.cleanup();
      expect(run.main.exitCode, source).toBe(1);
      expect(run.main.outputs['failure-reason'], source).toBe('plan-failed');
      const comment = planComments(pr.number)[0]?.body ?? '';
      // The error is there, its values masked.
      expect(comment, source).toMatch(/#### ❌ plan failed/);
      expect(comment, source).toMatch(/cannot convert "(\*\*\*|\(sensitive value\))" to number/);
      expect(run.main.summary, source).toMatch(/Invalid function argument/);
      for (const [channel, text] of [
        ['the comment', comment],
        ['the log, summary, outputs and annotations', runText(run)],
      ] as const) {
        expect(secretFormsIn(text, secret), `${source}: ${channel}`).toEqual([]);
      }
    }
  });

  it('runs every program, the version check of the install included, without the inputs or runtime token', async () => {
    const workspace = await world.checkout('infra', 'basic_list');
    const run = await world.run('tf-plan', {
      workspace,
      inputs: { 'working-directory': 'infra', version: VERSION, variables: 'db_password: In-Input-Only-9' },
      double: { scenario: 'basic_list' },
    });
    await run.cleanup();
    expect(run.main.exitCode, run.main.log).toBe(0);
    const calls = await readDoubleCalls(run.doubleEnv);
    expect(calls.map((c) => c.argv[0])).toEqual(['version', 'init', 'validate', 'plan', 'show', 'show']);
    expect(calls[0]!.argv).toEqual(['version', '-json']);
    for (const call of calls) {
      const leaked = call.envNames.filter((name) => name.startsWith('INPUT_') || name === 'ACTIONS_RUNTIME_TOKEN');
      expect(leaked, call.argv.join(' ')).toEqual([]);
      expect(call.envNames, 'the rest of the environment is kept').toContain('GITHUB_REPOSITORY');
    }
  });

  it('leaves no backend setting on disk: not in the checkout during the step, nothing anywhere after post', async () => {
    const secret = 'Backend-Leftover-Pa55';
    const inputs = {
      'working-directory': 'infra',
      version: VERSION,
      'backend-config': `address=https://state.example/infra\npassword=${secret}`,
    };
    const workspace = await world.checkout('infra', 'basic_list');
    const withoutPost = await world.run('tf-plan', {
      workspace,
      inputs,
      post: false,
      double: { scenario: 'basic_list', backend: 'http' },
    });
    try {
      expect(withoutPost.main.exitCode, withoutPost.main.log).toBe(0);
      // Terraform keeps what init was given in its data directory: in RUNNER_TEMP, 0700, not the checkout.
      const holding = await filesHolding([withoutPost.runnerTemp], secret);
      expect(holding.map((f) => path.basename(f))).toEqual(['terraform.tfstate']);
      expect(holding[0]).toContain(path.join('iac-actions', 'terraform-data'));
      expect(await filesHolding([workspace, withoutPost.home], secret)).toEqual([]);
      expect(existsSync(path.join(workspace, 'infra', '.terraform'))).toBe(false);
    } finally {
      await withoutPost.cleanup();
    }

    const run = await world.run('tf-plan', { workspace, inputs, double: { scenario: 'basic_list', backend: 'http' } });
    try {
      expect(run.main.exitCode, run.main.log).toBe(0);
      expect(run.post?.exitCode).toBe(0);
      expect(await filesHolding([workspace, run.runnerTemp, run.home], secret)).toEqual([]);
      expect(secretFormsIn(runText(run), secret)).toEqual([]);
    } finally {
      await run.cleanup();
    }
  });

  it('stops a command that never ends at `timeout`, with everything it started, and says so', async () => {
    const workspace = await world.checkout('infra', 'basic_list');
    const pr = world.pullRequest();
    const started = performance.now();
    const run = await world.run('tf-plan', {
      workspace,
      event: pr.event,
      inputs: { 'working-directory': 'infra', version: VERSION, timeout: '2s', 'lock-timeout': '1s' },
      double: { scenario: 'basic_list', hang: 'plan' },
    });
    await run.cleanup();
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['failure-reason']).toBe('timed-out');
    expect(run.main.outputs.exitcode).toBe('1');
    const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^terraform plan did not finish within 2s \(`timeout`\) and was stopped/);
    expect(errors[0]).not.toContain('\n');
    expect(run.main.summary).toMatch(/plan did not finish within 2s/);
    expect(planComments(pr.number)[0]?.body ?? '').toMatch(/#### ❌ plan failed[\s\S]*did not finish within 2s/);
    const hung = await readHungProcesses(run.doubleEnv);
    expect(hung.map((h) => h.command)).toEqual(['plan']);
    for (const { pid, childPid } of hung) {
      expect(isRunning(pid), 'the command').toBe(false);
      expect(isRunning(childPid), 'the process it started').toBe(false);
    }
  });

  it('makes one comment when GitHub made it and the answer was lost', async () => {
    for (const fault of [
      { kind: 'status', status: 502, afterHandling: true },
      { kind: 'drop', afterHandling: true },
    ] as const) {
      const workspace = await world.checkout('infra', 'basic_list');
      const pr = world.pullRequest();
      const injected = world.github.injectFault(`POST /repos/${REPOSITORY}/issues/${pr.number}/comments`, fault);
      const run = await world.run('tf-plan', {
        workspace,
        event: pr.event,
        inputs: { 'working-directory': 'infra', version: VERSION },
        double: { scenario: 'basic_list' },
      });
      await run.cleanup();
      expect(injected.remaining, fault.kind).toBe(0);
      expect(run.main.exitCode, run.main.log).toBe(0);
      const comments = planComments(pr.number);
      expect(comments, fault.kind).toHaveLength(1);
      expect(run.main.outputs['comment-url']).toBe(comments[0]!.html_url);
    }
  });

  it('fails with github-api-failed in one line when GitHub keeps failing, after setting the outputs', async () => {
    const workspace = await world.checkout('infra', 'basic_list');
    const pr = world.pullRequest();
    const route = `POST /repos/${REPOSITORY}/issues/${pr.number}/comments`;
    const injected = world.github.injectFault(route, { kind: 'status', status: 502 }, Infinity);
    try {
      const run = await world.run('tf-plan', {
        workspace,
        event: pr.event,
        inputs: { 'working-directory': 'infra', version: VERSION },
        double: { scenario: 'basic_list' },
      });
      await run.cleanup();
      expect(run.main.exitCode).toBe(1);
      expect(run.main.outputs['failure-reason']).toBe('github-api-failed');
      const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^Could not post the plan comment on #\d+: GitHub kept failing \(HTTP 502/);
      expect(errors[0]).not.toContain('\n');
      expect(run.main.log).not.toMatch(/unexpected error|\n\s+at /);
      // The plan itself succeeded: later steps still get it.
      expect(run.main.outputs['plan-digest']).toMatch(/^[0-9a-f]{64}$/);
      expect([run.main.outputs.changes, run.main.outputs.exitcode]).toEqual(['true', '2']);
      expect(run.main.summary).toMatch(/Plan: \d+ to add/);
      expect(planComments(pr.number)).toEqual([]);
      expect(world.github.requestsTo(route).length).toBeGreaterThanOrEqual(4);
    } finally {
      injected.cancel();
    }
  });
});
