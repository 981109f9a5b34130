import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake, type GitHubApiFake } from '../../../../test/fakes/github-api.ts';
import { actionError } from '../../../../test/assertions.ts';
import { driftIssueTracker, readIssueMarker, renderMarker, type DriftIssueContent } from './drift-issue.ts';
import { createOctokit } from './octokit.ts';

// The drift issue lifecycle against the GitHub API fake, through the real Octokit.
describe('drift issues', () => {
  let fake: GitHubApiFake;
  let repoCount = 0;
  beforeAll(async () => {
    fake = await startGitHubApiFake();
  });
  afterAll(() => fake.close());

  /** A fresh repository and a tracker for `runId` on it. */
  function setup(runId = '100', label = 'drift') {
    const fullName = `octo-org/infra-${++repoCount}`;
    fake.addRepository(fullName);
    const [owner, repo] = fullName.split('/') as [string, string];
    const tracker = (id = runId) =>
      driftIssueTracker(
        createOctokit(FAKE_GITHUB_TOKEN, { baseUrl: fake.url, paceWrites: false, retryAfterBaseValue: 1 }),
        { owner, repo, label },
        { runId: id, retry: { firstDelayMs: 1, maxDelayMs: 5 } },
      );
    return { fullName, tracker };
  }

  const prod = { workingDirectory: 'infra/prod', workspace: 'default' };
  const content = (text: string): DriftIssueContent => ({
    title: 'Drift in `infra/prod` (workspace `default`)',
    body: text,
    comment: (action) => `${action}: ${text}`,
  });

  it('opens one issue with the label, then refreshes it and comments once per run', async () => {
    const { fullName, tracker } = setup('100');
    const opened = await tracker('100').reportDrift(prod, content('two resources drifted'));
    assert.equal(opened.action, 'opened');
    const [issue] = fake.issues(fullName);
    assert.equal(issue?.title, 'Drift in `infra/prod` (workspace `default`)');
    assert.equal(opened.url, issue?.html_url);
    assert.deepEqual(readIssueMarker(issue?.body ?? ''), { ...prod, openedInRun: '100' });
    assert.ok(issue?.body?.endsWith('\ntwo resources drifted'));
    const label = fake.labels(fullName).find((l) => l.name === 'drift');
    assert.equal(label?.color, 'd93f0b', 'the label was created with its colour');
    assert.equal(fake.comments(fullName, opened.number).length, 0, 'the opening run says it all in the body');

    // A re-run of the opening run changes the body only.
    assert.equal((await tracker('100').reportDrift(prod, content('still two'))).action, 'updated');
    assert.equal(fake.comments(fullName, opened.number).length, 0);

    for (let i = 0; i < 2; i++) {
      const later = await tracker('101').reportDrift(prod, content(`three resources drifted (${i})`));
      assert.deepEqual([later.action, later.number], ['updated', opened.number]);
    }
    assert.equal(fake.issues(fullName).length, 1);
    assert.ok(fake.issue(fullName, opened.number)?.body?.endsWith('three resources drifted (1)'));
    const comments = fake.comments(fullName, opened.number);
    assert.equal(comments.length, 1, 'one comment for run 101, however often it runs');
    assert.match(comments[0]?.body ?? '', /^<!-- iac-actions:drift-run \{.*"runId":"101".*\} -->\nupdated: three/);
  });

  it('keeps finding the issue when people rename it', async () => {
    const { fullName, tracker } = setup();
    const opened = await tracker('1').reportDrift(prod, content('drift'));
    fake.issue(fullName, opened.number)!.title = 'Prod drift: Alice looks into it';
    const again = await tracker('2').reportDrift(prod, content('drift'));
    assert.equal(again.number, opened.number);
    assert.equal(fake.issue(fullName, opened.number)?.title, 'Prod drift: Alice looks into it', 'title left alone');
  });

  it('closes the issue with a comment when clean, once, and reopens it when drift comes back', async () => {
    const { fullName, tracker } = setup();
    const opened = await tracker('1').reportDrift(prod, content('drift'));
    const closed = await tracker('2').reportClean(prod, 'clean again');
    assert.deepEqual(closed, { number: opened.number, url: opened.url, action: 'closed' });
    const issue = fake.issue(fullName, opened.number);
    assert.deepEqual([issue?.state, issue?.state_reason], ['closed', 'completed']);
    assert.equal(await tracker('2').reportClean(prod, 'clean again'), undefined, 'a re-run finds nothing to close');
    assert.equal(await tracker('3').reportClean(prod, 'clean again'), undefined);
    assert.deepEqual(
      fake.comments(fullName, opened.number).map((c) => c.body?.split('\n')[1]),
      ['clean again'],
    );

    const reopened = await tracker('4').reportDrift(prod, content('drift is back'));
    assert.deepEqual([reopened.action, reopened.number], ['reopened', opened.number]);
    assert.equal(fake.issue(fullName, opened.number)?.state, 'open');
    assert.equal(fake.comments(fullName, opened.number).at(-1)?.body?.split('\n')[1], 'reopened: drift is back');
    assert.equal(fake.issues(fullName).length, 1);
  });

  it('keeps stacks apart and trusts only its own issues', async () => {
    const { fullName, tracker } = setup();
    const marker = renderMarker('iac-actions:drift-issue', { ...prod, openedInRun: '1' });
    fake.seedIssue(fullName, { title: 'lookalike', body: `${marker}\nnot ours`, labels: ['drift'], user: 'mallory' });
    const staging = { workingDirectory: 'infra/prod', workspace: 'staging' };
    const ours = await tracker().reportDrift(prod, content('drift'));
    const other = await tracker().reportDrift(staging, content('drift'));
    assert.equal(ours.action, 'opened', "mallory's issue is not taken for ours");
    assert.notEqual(ours.number, other.number);
    assert.equal(fake.issues(fullName).length, 3);
    assert.equal(fake.issues(fullName)[0]?.body, `${marker}\nnot ours`, "mallory's issue untouched");
  });

  it('never duplicates an issue or a comment when GitHub fails after or before handling the request', async () => {
    const { fullName, tracker } = setup();
    const creates = () => fake.requestsTo('POST /repos/*/*/issues').map((r) => r.status ?? r.fault);
    const stack = (workspace: string) => ({ workingDirectory: 'infra/prod', workspace });
    fake.clearRequests();
    fake.injectFault('POST /repos/*/*/issues', { kind: 'status', status: 502, afterHandling: true });
    const first = await tracker('1').reportDrift(stack('default'), content('drift'));
    assert.equal(first.action, 'opened');
    assert.deepEqual(creates(), [502], 'the issue made before the lost answer was found again');

    fake.clearRequests();
    fake.injectFault('POST /repos/*/*/issues', { kind: 'drop', afterHandling: true });
    await tracker('1').reportDrift(stack('staging'), content('drift'));
    assert.deepEqual(creates(), ['drop']);

    fake.clearRequests();
    fake.injectFault('POST /repos/*/*/issues', { kind: 'status', status: 500 }, 2);
    await tracker('1').reportDrift(stack('dev'), content('drift'));
    assert.deepEqual(creates(), [500, 500, 201], 'refused twice, created on the third attempt');
    assert.deepEqual(
      fake.issues(fullName).map((i) => readIssueMarker(i.body ?? '')?.workspace),
      ['default', 'staging', 'dev'],
    );

    fake.clearRequests();
    fake.injectFault('POST /repos/*/*/issues/*/comments', { kind: 'drop', afterHandling: true });
    fake.injectFault('PATCH /repos/*/*/issues/*', { kind: 'status', status: 503 });
    await tracker('2').reportDrift(stack('default'), content('drift'));
    assert.equal(fake.comments(fullName, first.number).length, 1);
    assert.deepEqual(
      fake.requestsTo('POST /repos/*/*/issues/*/comments').map((r) => r.status ?? r.fault),
      ['drop'],
      'the comment that lost its answer was found, not posted again',
    );
    assert.deepEqual(
      fake.requestsTo('PATCH /repos/*/*/issues/*').map((r) => r.status),
      [503, 200],
      'the body update is retried by the client',
    );
  });

  it('gives one clear message when the token may not write issues, and stops trying', async () => {
    const { fullName, tracker } = setup();
    const fault = fake.injectFault('POST /repos/*/*/issues', { kind: 'status', status: 403 }, Infinity);
    try {
      const t = tracker();
      const expected = actionError(
        'issue-update-failed',
        `The token may not write issues in ${fullName} (HTTP 403). Give the job \`permissions: issues: write\`, or set \`issue: false\`.`,
      );
      await assert.rejects(t.reportDrift(prod, content('drift')), expected);
      fake.clearRequests();
      await assert.rejects(t.reportDrift({ ...prod, workspace: 'b' }, content('drift')), expected);
      assert.equal(fake.requests.length, 0, 'no request after the first 403');
    } finally {
      fault.cancel();
    }
  });

  it('uses a label that exists as it is', async () => {
    const { fullName, tracker } = setup('1', 'infra-drift');
    fake.seedLabel(fullName, { name: 'infra-drift', color: '00ff00' });
    await tracker().reportDrift(prod, content('drift'));
    assert.deepEqual(
      fake.labels(fullName).map((l) => [l.name, l.color]),
      [['infra-drift', '00ff00']],
    );
    assert.equal(fake.requestsTo('POST /repos/*/*/labels').length, 0);
  });
});
