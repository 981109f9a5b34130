import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIssueMarker } from '@iac-actions/shared/github/drift-issue.ts';
import { startHttpApp, type HttpApp } from '../services/http-app.ts';
import { isRunning, readDoubleCalls, readHungProcesses } from '../terraform-double/index.ts';
import { startTerraformWorld, type StackDouble, type TerraformWorld } from './terraform-setup.ts';
import { filesHolding, runText, secretFormsIn } from './terraform-secrets.ts';

// What drift-detect guards against, end to end through the committed bundle
// and the Terraform CLI double: bad inputs (nothing runs, nothing is posted),
// a stack whose command never ends (reported, the others go on), secrets an
// error quotes, the inputs in a child's environment, backend credentials left
// on disk, and a GitHub API that keeps failing.
const VERSION = '1.9.8'; // the double's version: an exact version needs no release index
const HOOK = '/services/T0001/B0001/guardsWebhookToken';

const DRIFT: StackDouble = { scenario: 'drift_refresh_only' };
const CLEAN: StackDouble = { scenario: 'no_changes' };

interface ErroredStack {
  workingDirectory: string;
  stage: string;
  reason: string;
  error: string;
}

describe('drift-detect guards', () => {
  let world: TerraformWorld;
  let webhook: HttpApp;
  let repos = 0;
  beforeAll(async () => {
    world = await startTerraformWorld();
    webhook = await startHttpApp({ [HOOK]: (_req, res) => void res.writeHead(200).end('ok') });
  });
  afterAll(async () => {
    await webhook?.close();
    await world?.close();
  });

  function repository(): string {
    const name = `octo-org/infra-guards-${++repos}`;
    world.github.addRepository(name);
    return name;
  }

  async function drift(
    checkout: string,
    repo: string,
    inputs: Record<string, string> = {},
    options: { env?: Record<string, string>; post?: boolean } = {},
  ) {
    return world.run('drift-detect', {
      workspace: checkout,
      inputs: { 'working-directories': 'infra/*', version: VERSION, ...inputs },
      env: { GITHUB_REPOSITORY: repo, ...options.env },
      ...(options.post === false ? { post: false } : {}),
    });
  }

  const errored = (outputs: Record<string, string>) => JSON.parse(outputs['errored-stacks'] ?? '[]') as ErroredStack[];

  it('refuses bad inputs before running anything or writing to GitHub', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({ 'infra/prod': DRIFT, 'infra/stage': CLEAN });
    await writeFile(path.join(checkout, 'infra', 'prod', 'prod.tfvars'), '');
    const elsewhere = await world.checkoutStacks({ 'stacks/outside': CLEAN });
    await symlink(path.join(elsewhere, 'stacks', 'outside'), path.join(checkout, 'infra', 'linked'));
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /^Input 'working-directories' matches 'infra\/linked', a link that leads outside the repository/],
      [{ 'working-directories': '../*' }, /^Input 'working-directories' has '\.\.\/\*': paths are relative/],
      [{ 'var-files': '/etc/passwd' }, /^Input 'var-files' is '\/etc\/passwd' \(in infra\/prod\), which is outside/],
      [
        { 'var-files': 'prod.tfvars' },
        /^Input 'var-files' is 'prod\.tfvars' \(in infra\/stage\), which does not exist/,
      ],
      [{ 'backend-config': '../../../etc/passwd' }, /^Input 'backend-config' is '\.\.\/\.\.\/\.\.\/etc\/passwd'/],
      [{ 'backend-config': 'my key=Not-Quoted-Value' }, /^Input 'backend-config' line 1 is not `key=value`/],
      [{ version: '>= one' }, /^Input 'version' is not a version or constraint/],
      [{ timeout: 'forever' }, /^Input 'timeout' must be a positive duration/],
      [{ timeout: '1m', 'lock-timeout': '5m' }, /^Input 'lock-timeout' \(5m\) must be shorter than `timeout`/],
      [
        { 'issue-label': 'drift\u0007' },
        /^Input 'issue-label' must be a label name of at most 50 characters on one line/,
      ],
      [{ 'mirror-url': 'https://u:Not-Quoted-Pass@m.example/?q=1' }, /^Input 'mirror-url' must be a base URL/],
    ];
    for (const [inputs, message] of cases) {
      const label = JSON.stringify(inputs);
      const run = await drift(checkout, repo, {
        'working-directories': 'infra/*\n!infra/linked',
        ...(Object.keys(inputs).length ? inputs : { 'working-directories': 'infra/*' }),
      });
      await run.cleanup();
      expect(run.main.exitCode, label).toBe(1);
      expect(run.main.outputs['failure-reason'], label).toBe('invalid-input');
      const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors, label).toHaveLength(1);
      expect(errors[0], label).toMatch(message);
      expect(errors[0], label).not.toContain('\n');
      expect(runText(run), label).not.toMatch(/Not-Quoted|unexpected error/);
      expect(await readDoubleCalls(run.doubleEnv), `${label}: nothing ran`).toEqual([]);
    }
    expect(world.github.requests.filter((r) => r.path.startsWith(`/repos/${repo}/`))).toEqual([]);
  });

  it('stops a stack whose command never ends, reports it as timed out, and checks the others', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({
      'infra/billing': DRIFT,
      'infra/hung': { scenario: 'no_changes', hang: 'plan' },
      'infra/web': CLEAN,
    });
    const started = performance.now();
    const run = await drift(checkout, repo, { timeout: '2s', 'lock-timeout': '1s', concurrency: '3' });
    await run.cleanup();
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(run.main.exitCode).toBe(1);
    expect(run.main.outputs['failure-reason']).toBe('stack-failed');
    const failed = errored(run.main.outputs);
    expect(failed.map((e) => [e.workingDirectory, e.stage, e.reason])).toEqual([
      ['infra/hung', 'plan -refresh-only', 'timed-out'],
    ]);
    expect(failed[0]!.error).toMatch(/^terraform plan did not finish within 2s \(`timeout`\) and was stopped/);
    expect(run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      `infra/hung (workspace default) could not be checked: ${failed[0]!.error}`,
    ]);
    // The others were checked and reported.
    expect(run.main.outputs.drifted).toBe('true');
    const issues = world.github.issues(repo).filter((i) => readIssueMarker(i.body ?? ''));
    expect(issues.map((i) => i.title)).toEqual(['Drift in `infra/billing` (workspace `default`)']);
    expect(run.main.summary).toMatch(/\| `infra\/web` \| default \| .*clean/);
    expect(run.main.summary).toMatch(/did not finish within 2s/);
    const hung = await readHungProcesses(run.doubleEnv);
    expect(hung.map((h) => h.command)).toEqual(['plan']);
    for (const { pid, childPid } of hung) expect([isRunning(pid), isRunning(childPid)]).toEqual([false, false]);
  });

  it('masks a secret an error quotes, in the summary, outputs, log and webhook, whatever its source', async () => {
    const secret = 'Drift-Quoted/S3cret word';
    for (const source of ['variables', 'environment'] as const) {
      const repo = repository();
      const checkout = await world.checkoutStacks({
        'infra/broken': { scenario: 'no_changes', planError: { quote: 'db_password' } },
        'infra/billing': DRIFT,
      });
      const requestsBefore = webhook.requests.length;
      const run = await drift(
        checkout,
        repo,
        {
          'notify-webhook': `${webhook.url}${HOOK}`,
          ...(source === 'variables' ? { variables: `db_password: ${JSON.stringify(secret)}` } : {}),
        },
        { env: source === 'environment' ? { TF_VAR_db_password: secret } : {} },
      );
      await run.cleanup();
      expect(run.main.exitCode, source).toBe(1);
      const failed = errored(run.main.outputs);
      expect(
        failed.map((e) => e.reason),
        source,
      ).toEqual(['plan-failed']);
      expect(run.main.summary, source).toMatch(/cannot convert "(\*\*\*|\(sensitive value\))" to number/);
      const hooks = webhook.requests.slice(requestsBefore).map((r) => r.body);
      expect(hooks, source).toHaveLength(1);
      const issues = world.github.issues(repo).map((i) => `${i.title}\n${i.body}`);
      expect(issues, source).toHaveLength(1);
      for (const [channel, text] of [
        ['log, summary, outputs', runText(run)],
        ['webhook', hooks.join('\n')],
        ['issue', issues.join('\n')],
      ] as const) {
        expect(secretFormsIn(text, secret), `${source}: ${channel}`).toEqual([]);
      }
    }
  });

  it('gives no program the inputs or runtime token, and leaves no backend setting on disk', async () => {
    const repo = repository();
    const secret = 'Drift-Backend-Pa55word';
    const checkout = await world.checkoutStacks({ 'infra/prod': DRIFT, 'infra/stage': CLEAN });
    const inputs = { 'backend-config': `password=${secret}`, workspaces: 'default\nstaging' };
    const withoutPost = await drift(checkout, repo, inputs, { post: false });
    try {
      expect(withoutPost.main.exitCode, withoutPost.main.log).toBe(0);
      const calls = await readDoubleCalls(withoutPost.doubleEnv);
      expect(calls.filter((c) => c.argv[0] === 'version')).toHaveLength(1);
      for (const call of calls) {
        const leaked = call.envNames.filter((n) => n.startsWith('INPUT_') || n === 'ACTIONS_RUNTIME_TOKEN');
        expect(leaked, call.argv.join(' ')).toEqual([]);
      }
      // During the step, Terraform's data directories are in RUNNER_TEMP, never in the checkout.
      expect(await filesHolding([checkout, withoutPost.home], secret)).toEqual([]);
      expect((await filesHolding([withoutPost.runnerTemp], secret)).map((f) => path.basename(f))).toEqual([
        'terraform.tfstate',
        'terraform.tfstate',
      ]);
    } finally {
      await withoutPost.cleanup();
    }
    const run = await drift(checkout, repo, inputs);
    try {
      expect(run.main.exitCode, run.main.log).toBe(0);
      expect(run.post?.exitCode).toBe(0);
      expect(await filesHolding([checkout, run.runnerTemp, run.home], secret)).toEqual([]);
    } finally {
      await run.cleanup();
    }
  });

  it('fails with one line when GitHub keeps failing to make an issue, after checking and reporting every stack', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({ 'infra/prod': DRIFT, 'infra/dev': CLEAN });
    const fault = world.github.injectFault(`POST /repos/${repo}/issues`, { kind: 'status', status: 502 }, Infinity);
    try {
      const run = await drift(checkout, repo);
      await run.cleanup();
      expect(run.main.exitCode).toBe(1);
      expect(run.main.outputs['failure-reason']).toBe('issue-update-failed');
      const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^Could not update the drift issue of infra\/prod \(workspace default\): HTTP 502/);
      expect(errors[0]).not.toContain('\n');
      expect(run.main.log).not.toMatch(/unexpected error|\n\s+at /);
      expect(JSON.parse(run.main.outputs['drifted-stacks'] ?? '[]')).toHaveLength(1);
      expect(world.github.issues(repo)).toEqual([]);
    } finally {
      fault.cancel();
    }
  });
});
