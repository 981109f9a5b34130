import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { readIssueMarker } from '@iac-actions/shared/github/drift-issue.ts';
import { startHttpApp, type HttpApp } from '../services/http-app.ts';
import { readDoubleCalls } from '../terraform-double/index.ts';
import { setStackDouble, startTerraformWorld, type StackDouble, type TerraformWorld } from './terraform-setup.ts';

// The committed drift-detect bundle, run as the runner runs it, against the
// GitHub API fake, a webhook receiver on loopback and the Terraform CLI
// double, each stack directory with its own scenario.
const VERSION = '1.9.8'; // the double's version: an exact version needs no release index
const HOOK = '/services/T0001/B0001/webhookS3cretToken';

const DRIFT: StackDouble = { scenario: 'drift_refresh_only' };
const CLEAN: StackDouble = { scenario: 'no_changes' };
const BROKEN: StackDouble = { scenario: 'no_changes', planError: true };

interface DriftedStack {
  workingDirectory: string;
  workspace: string;
  counts: { drifted: number };
  resources: string[];
  issueUrl?: string;
}

describe('drift-detect end to end', () => {
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

  /** A repository of its own for each test, so that issues never mix. */
  function repository(): string {
    const name = `octo-org/infra-drift-${++repos}`;
    world.github.addRepository(name);
    return name;
  }

  async function drift(
    checkout: string,
    repo: string,
    inputs: Record<string, string> = {},
    env: Record<string, string> = {},
  ) {
    const run = await world.run('drift-detect', {
      workspace: checkout,
      inputs: { 'working-directories': 'infra/*', version: VERSION, ...inputs },
      env: { GITHUB_REPOSITORY: repo, ...env },
    });
    // Read before the harness removes the run's directories.
    const planFilesLeft = existsSync(path.join(run.runnerTemp, 'iac-actions-drift'));
    await run.cleanup();
    return Object.assign(run, { planFilesLeft });
  }

  const driftIssues = (repo: string) => world.github.issues(repo).filter((issue) => readIssueMarker(issue.body ?? ''));
  const hooksReceived = () => webhook.requests.filter((r) => r.path === HOOK).length;

  it('checks 10 stacks concurrently: clean, drifted and broken ones, issues, outputs, summary, webhook', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({
      'infra/billing': DRIFT,
      'infra/network': CLEAN,
      'infra/search': CLEAN,
      'infra/storage': BROKEN,
      'infra/web': CLEAN,
    });
    const hooksBefore = hooksReceived();
    const run = await drift(checkout, repo, {
      workspaces: 'default\nstaging',
      concurrency: '4',
      'notify-webhook': `${webhook.url}${HOOK}`,
      variables: 'admin_password: hunter2-but-longer',
    });

    // Every stack was checked; the broken ones fail the step, after the rest was reported.
    assert.equal(run.main.exitCode, 1, run.main.log);
    assert.equal(run.main.outputs['failure-reason'], 'stack-failed');
    assert.ok(
      run.main.annotations.some(
        (a) =>
          a.level === 'error' &&
          a.message ===
            '2 of 10 stacks could not be checked: infra/storage (workspace default), infra/storage (workspace staging). The job summary has their errors.',
      ),
      run.main.annotations.map((a) => a.message).join('\n'),
    );
    assert.equal(run.main.outputs.drifted, 'true');
    const drifted = JSON.parse(run.main.outputs['drifted-stacks'] ?? '[]') as DriftedStack[];
    assert.deepEqual(
      drifted.map((d) => [d.workingDirectory, d.workspace, d.counts.drifted, d.resources]),
      [
        ['infra/billing', 'default', 1, ['tfcoremock_simple_resource.drift']],
        ['infra/billing', 'staging', 1, ['tfcoremock_simple_resource.drift']],
      ],
    );
    const errored = JSON.parse(run.main.outputs['errored-stacks'] ?? '[]') as Record<string, string>[];
    assert.deepEqual(
      errored.map((e) => [e.workingDirectory, e.workspace, e.stage, e.reason]),
      [
        ['infra/storage', 'default', 'plan -refresh-only', 'plan-failed'],
        ['infra/storage', 'staging', 'plan -refresh-only', 'plan-failed'],
      ],
    );
    assert.match(errored[0]?.error ?? '', /^terraform plan failed: Reference to undeclared resource$/);

    // One issue per drifted stack, labelled, with what drifted and a link to the run.
    // Issues are opened as stacks finish: in stack order here, to compare.
    const issues = driftIssues(repo).sort((a, b) => (a.title < b.title ? -1 : 1));
    assert.deepEqual(
      issues.map((i) => i.title),
      ['Drift in `infra/billing` (workspace `default`)', 'Drift in `infra/billing` (workspace `staging`)'],
    );
    assert.deepEqual(
      drifted.map((d) => d.issueUrl),
      issues.map((i) => i.html_url),
    );
    assert.ok(issues.every((i) => i.labels.some((l) => typeof l !== 'string' && l.name === 'drift')));
    const body = issues[0]?.body ?? '';
    assert.match(body, /`tfcoremock_simple_resource\.drift` — changed outside Terraform: `string`/);
    assert.match(
      body,
      /Last checked by \[run 4242\]\(https:\/\/github\.com\/octo-org\/infra-drift-\d+\/actions\/runs\/4242\)/,
    );
    assert.match(
      body,
      /^!\s+string = "Hello, world!" -> "Hello, drift!"$/m,
      'the refresh-only plan, coloured as a diff',
    );

    // The job summary: every stack in the table, details of the drifted and failed ones.
    const summary = run.main.summary;
    assert.match(summary, /## Terraform drift check: 2 of 10 stacks drifted, 2 failed/);
    for (const dir of ['billing', 'network', 'search', 'storage', 'web']) {
      assert.equal(summary.match(new RegExp(`^\\| \`infra/${dir}\` \\|`, 'gm'))?.length, 2, dir);
    }
    assert.match(summary, /\| `infra\/billing` \| default \| ⚠️ drifted \| 1 \| \[#\d+\]\(.*\) opened \|/);
    assert.match(summary, /plan -refresh-only failed\*\* \(`plan-failed`\)/);

    // Each stack's Terraform output is one group in the log.
    assert.equal(run.main.log.match(/^▸ infra\/\w+ \(workspace \w+\): /gm)?.length, 10);
    assert.match(run.main.log, /^▸ infra\/storage \(workspace staging\): failed at plan -refresh-only/m);

    // Terraform was set up once for all ten stacks; failed stacks never reach show.
    const calls = await readDoubleCalls(run.doubleEnv);
    const count = (command: string) => calls.filter((c) => c.argv[0] === command).length;
    assert.deepEqual(
      [count('version'), count('init'), count('plan'), count('show')],
      [1, 10, 10, 8],
      calls.map((c) => c.argv.join(' ')).join('\n'),
    );
    assert.equal(calls.filter((c) => c.argv.join(' ') === 'workspace select staging').length, 5);

    // One webhook message naming the drifted and failed stacks; the URL never shows.
    assert.equal(hooksReceived(), hooksBefore + 1);
    const message = JSON.parse(webhook.requests.at(-1)?.body ?? '{}') as { text: string; blocks: unknown[] };
    assert.match(message.text, /drift check of octo-org\/infra-drift-\d+: 2 of 10 stacks drifted, 2 failed/);
    const blocks = JSON.stringify(message.blocks);
    assert.match(blocks, /`infra\/billing` \(staging\) — 1 resource changed — <http[^|]+\/issues\/\d+\|#\d+>/);
    assert.match(blocks, /`infra\/storage` \(default\) — terraform plan failed/);
    assert.match(blocks, /actions\/runs\/4242\|View the run>/);
    assert.ok(!run.visibleText().includes('webhookS3cretToken'), 'the webhook URL is masked');
    assert.ok(!run.visibleText().includes('hunter2-but-longer'), 'variables are masked');
    assert.equal(run.planFilesLeft, false, 'no plan file left behind after post');
  });

  it('keeps one issue per stack across runs: updated, re-run, closed when clean, reopened', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({ 'infra/prod': DRIFT, 'infra/dev': CLEAN });
    const hook = { 'notify-webhook': `${webhook.url}${HOOK}` };
    const runId = (id: number, attempt = 1) => ({ GITHUB_RUN_ID: String(id), GITHUB_RUN_ATTEMPT: String(attempt) });
    const comments = (number: number) => world.github.comments(repo, number);

    const first = await drift(checkout, repo, hook, runId(5001));
    assert.equal(first.main.exitCode, 0, first.main.log);
    const [issue] = driftIssues(repo);
    assert.ok(issue);
    assert.equal(comments(issue.number).length, 0, 'the opening run says it all in the body');

    const second = await drift(checkout, repo, hook, runId(5002));
    assert.equal(second.main.exitCode, 0, second.main.log);
    assert.match(second.main.summary, /\[#\d+\]\(.*\) updated/);
    const rerun = await drift(checkout, repo, hook, runId(5002, 2));
    assert.equal(rerun.main.exitCode, 0, rerun.main.log);
    assert.equal(driftIssues(repo).length, 1, 'still one issue');
    assert.equal(comments(issue.number).length, 1, 'one comment for run 5002, re-run or not');
    assert.match(comments(issue.number)[0]?.body ?? '', /Drift is still there.*\[run 5002\]/);
    assert.match(world.github.issue(repo, issue.number)?.body ?? '', /Last checked by \[run 5002\]/);

    // Clean again: closed with a comment, and no webhook message for a clean run.
    await setStackDouble(checkout, 'infra/prod', CLEAN);
    const hooksBefore = hooksReceived();
    const clean = await drift(checkout, repo, hook, runId(5003));
    assert.equal(clean.main.exitCode, 0, clean.main.log);
    assert.equal(clean.main.outputs.drifted, 'false');
    assert.equal(world.github.issue(repo, issue.number)?.state, 'closed');
    assert.match(comments(issue.number).at(-1)?.body ?? '', /No drift.*\[run 5003\].*Closing\./);
    assert.equal(hooksReceived(), hooksBefore, 'nothing to notify');
    assert.match(clean.main.summary, /no drift in 2 stacks/);

    // Drift comes back: the same issue, reopened.
    await setStackDouble(checkout, 'infra/prod', DRIFT);
    const back = await drift(checkout, repo, hook, runId(5004));
    assert.equal(back.main.exitCode, 0, back.main.log);
    assert.deepEqual(
      driftIssues(repo).map((i) => [i.number, i.state]),
      [[issue.number, 'open']],
    );
    assert.match(comments(issue.number).at(-1)?.body ?? '', /Drift is back.*\[run 5004\]/);
    assert.equal(comments(issue.number).length, 3);
  });

  it('retries GitHub API faults during issue updates without duplicate issues or comments', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({ 'infra/a': DRIFT, 'infra/b': DRIFT });
    const faults = [
      // GitHub made the issue, then the answer was lost: found again, not made twice.
      world.github.injectFault('POST /repos/*/*/issues', { kind: 'status', status: 502, afterHandling: true }),
      // Refused before handling: made on the next attempt.
      world.github.injectFault('POST /repos/*/*/issues', { kind: 'status', status: 500 }),
      world.github.injectFault('GET /repos/*/*/issues', { kind: 'status', status: 503 }),
    ];
    const first = await drift(checkout, repo, {}, { GITHUB_RUN_ID: '6001' });
    assert.equal(first.main.exitCode, 0, first.main.log);
    assert.deepEqual(
      faults.map((f) => f.remaining),
      [0, 0, 0],
    );
    assert.deepEqual(
      driftIssues(repo)
        .map((i) => readIssueMarker(i.body ?? '')?.workingDirectory)
        .sort(),
      ['infra/a', 'infra/b'],
    );

    world.github.injectFault('POST /repos/*/*/issues/*/comments', { kind: 'drop', afterHandling: true });
    world.github.injectFault('PATCH /repos/*/*/issues/*', { kind: 'status', status: 502 });
    const second = await drift(checkout, repo, {}, { GITHUB_RUN_ID: '6002' });
    assert.equal(second.main.exitCode, 0, second.main.log);
    assert.equal(driftIssues(repo).length, 2);
    for (const issue of driftIssues(repo)) assert.equal(world.github.comments(repo, issue.number).length, 1);
  });

  it('fails with drift-detected after updating the issues when fail-on-drift is set, and only on drift', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({ 'infra/prod': DRIFT, 'infra/dev': CLEAN });
    const run = await drift(checkout, repo, { 'fail-on-drift': 'true' });
    assert.equal(run.main.exitCode, 1);
    assert.equal(run.main.outputs['failure-reason'], 'drift-detected');
    assert.ok(
      run.main.annotations.some((a) => a.message === 'Drift in 1 of 2 stacks: infra/prod (workspace default).'),
    );
    assert.equal(driftIssues(repo).length, 1, 'the issue was opened first');
    assert.equal(run.main.outputs.drifted, 'true');

    const clean = await drift(checkout, repo, { 'fail-on-drift': 'true', 'working-directories': 'infra/dev' });
    assert.equal(clean.main.exitCode, 0, clean.main.log);
  });

  it('says to grant issues: write when the token may not write issues, after checking every stack', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({ 'infra/prod': DRIFT, 'infra/stage': DRIFT });
    const fault = world.github.injectFault('POST /repos/*/*/issues', { kind: 'status', status: 403 }, Infinity);
    try {
      const run = await drift(checkout, repo, { issue: 'true' });
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.outputs['failure-reason'], 'issue-update-failed');
      const errors = run.main.annotations.filter((a) => a.level === 'error');
      assert.deepEqual(
        errors.map((a) => a.message),
        [
          `The token may not write issues in ${repo} (HTTP 403). Give the job \`permissions: issues: write\`, or set \`issue: false\`.`,
        ],
      );
      assert.equal((JSON.parse(run.main.outputs['drifted-stacks'] ?? '[]') as unknown[]).length, 2);
      assert.equal(world.github.requestsTo(`POST /repos/${repo}/issues`).length, 1, 'no second try after a 403');
    } finally {
      fault.cancel();
    }
  });

  it('refuses bad inputs with one error naming the input, before running anything', async () => {
    const repo = repository();
    const checkout = await world.checkoutStacks({ 'infra/prod': DRIFT });
    const cases: [Record<string, string>, RegExp][] = [
      [
        { 'working-directories': 'infra/*\nstacks/*' },
        /^Input 'working-directories' has 'stacks\/\*', which matches no directory/,
      ],
      [{ workspaces: 'prod env' }, /^Input 'workspaces' has 'prod env'/],
      [{ concurrency: '0' }, /^Input 'concurrency' must be a whole number from 1 to 64/],
      [{ mode: 'fast' }, /^Input 'mode' must be one of refresh-only, full/],
      [
        { 'notify-webhook': 'hooks.example/s3cr3t-path' },
        /^Input 'notify-webhook' must be the URL of an incoming webhook/,
      ],
      [{ 'issue-label': 'drift,prod' }, /^Input 'issue-label' must be a label name/],
      [{ 'github-token': '' }, /^Input 'github-token' is empty/],
    ];
    for (const [inputs, message] of cases) {
      const run = await drift(checkout, repo, inputs);
      assert.equal(run.main.exitCode, 1, JSON.stringify(inputs));
      assert.equal(run.main.outputs['failure-reason'], 'invalid-input');
      const errors = run.main.annotations.filter((a) => a.level === 'error');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, message);
      assert.ok(!run.main.log.includes('s3cr3t-path'));
      assert.deepEqual(await readDoubleCalls(run.doubleEnv), [], 'nothing ran');
    }
    assert.equal(world.github.issues(repo).length, 0);
  });
});
