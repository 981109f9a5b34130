import assert from 'node:assert/strict';
import { test, type TestContext } from 'vitest';
import { createOctokit, type OctokitOptions } from '@iac-actions/shared/github/octokit.ts';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake, type GitHubApiFake } from './github-api.ts';

// The fake, exercised through the suite's real Octokit factory (retry and
// throttling plugins included), with waits shortened: 1 s of `retry-after`
// or backoff lasts 10 ms here.

const REPO = 'octo-org/infra';
const [owner, repo] = REPO.split('/') as [string, string];
const WAIT_UNIT_MS = 10;

async function setup(t: TestContext, options: OctokitOptions = {}) {
  const fake = await startGitHubApiFake({ repositories: [REPO] });
  t.onTestFinished(() => fake.close());
  const warnings: string[] = [];
  const octokit = createOctokit(FAKE_GITHUB_TOKEN, {
    baseUrl: fake.url,
    paceWrites: false,
    retryAfterBaseValue: WAIT_UNIT_MS,
    warn: (message) => warnings.push(message),
    ...options,
  });
  return { fake, octokit, warnings };
}

/** The status of the error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  const error = await promise.then(
    () => assert.fail('expected the request to fail'),
    (e: unknown) => e as { status: number; message: string },
  );
  return { status: error.status, message: error.message };
}

const statuses = (fake: GitHubApiFake, route: string) => fake.requestsTo(route).map((r) => r.status ?? r.fault);

test('issues are created, read, updated and listed with filters', async (t) => {
  const { fake, octokit } = await setup(t);
  const { data: created } = await octokit.rest.issues.create({
    owner,
    repo,
    title: 'Drift detected',
    body: 'plan',
    labels: ['drift'],
  });
  assert.equal(created.number, 1);
  assert.equal(created.state, 'open');
  assert.equal(created.user?.login, 'github-actions[bot]');
  assert.equal(created.user?.type, 'Bot');
  assert.deepEqual(
    created.labels.map((l) => (typeof l === 'string' ? l : l.name)),
    ['drift'],
  );
  assert.match(created.html_url, /\/octo-org\/infra\/issues\/1$/);
  assert.match(created.node_id, /^I_/);
  fake.seedIssue(REPO, { title: 'Other', user: 'octocat' });

  const { data: closed } = await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: 1,
    state: 'closed',
    state_reason: 'not_planned',
    title: 'Drift resolved',
  });
  assert.equal(closed.state, 'closed');
  assert.equal(closed.state_reason, 'not_planned');
  assert.equal(closed.title, 'Drift resolved');
  assert.ok(closed.closed_at);
  assert.equal(closed.closed_by?.login, 'github-actions[bot]');
  const { data: reopened } = await octokit.rest.issues.update({ owner, repo, issue_number: 1, state: 'open' });
  assert.equal(reopened.state_reason, 'reopened');
  assert.equal(reopened.closed_at, null);
  assert.equal((await octokit.rest.issues.get({ owner, repo, issue_number: 1 })).data.title, 'Drift resolved');

  const list = async (params: Record<string, string>) =>
    (await octokit.rest.issues.listForRepo({ owner, repo, ...params })).data.map((i) => i.number);
  assert.deepEqual(await list({}), [2, 1], 'newest first');
  assert.deepEqual(await list({ labels: 'DRIFT' }), [1], 'labels match case-insensitively');
  assert.deepEqual(await list({ creator: 'octocat' }), [2]);
  await octokit.rest.issues.update({ owner, repo, issue_number: 2, state: 'closed' });
  assert.deepEqual(await list({ state: 'closed' }), [2]);
  assert.deepEqual(await list({ state: 'all', direction: 'asc' }), [1, 2]);
});

test('a request GitHub would refuse gets its status and JSON error shape', async (t) => {
  const { fake, octokit } = await setup(t);
  const missingTitle = await octokit.rest.issues.create({ owner, repo, title: '' }).catch((e: unknown) => e);
  assert.equal((missingTitle as { status: number }).status, 422);
  assert.deepEqual((missingTitle as { response: { data: unknown } }).response.data, {
    message: 'Validation Failed',
    errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }],
    documentation_url: 'https://docs.github.com/rest',
    status: '422',
  });
  assert.equal((await failure(octokit.rest.issues.get({ owner, repo, issue_number: 99 }))).status, 404);
  assert.equal((await failure(octokit.rest.issues.get({ owner, repo: 'unknown', issue_number: 1 }))).status, 404);
  const unknownRoute = await octokit
    .request('GET /repos/{owner}/{repo}/deployments', { owner, repo })
    .catch((e: unknown) => e);
  assert.equal((unknownRoute as { status: number }).status, 404);
  assert.deepEqual((unknownRoute as { response: { data: unknown } }).response.data, {
    message: 'Not Found',
    documentation_url: 'https://docs.github.com/rest',
    status: '404',
  });
  assert.equal(fake.requests.length, 4, 'client errors are not retried');
});

test('an unknown or missing token gets 401 Bad credentials / Requires authentication', async (t) => {
  const { fake } = await setup(t);
  const stranger = createOctokit('ghp_unknown', { baseUrl: fake.url, paceWrites: false, retryAfterBaseValue: 1 });
  assert.deepEqual(await failure(stranger.rest.users.getAuthenticated()), {
    status: 401,
    message: 'Bad credentials - https://docs.github.com/rest',
  });
  const anonymous = await fetch(`${fake.url}/repos/${REPO}/issues`);
  assert.equal(anonymous.status, 401);
  assert.deepEqual(await anonymous.json(), {
    message: 'Requires authentication',
    documentation_url: 'https://docs.github.com/rest',
    status: '401',
  });
  assert.equal(fake.requests.length, 2);
});

test('the authenticated user is the token’s; another token maps to another user', async (t) => {
  const { fake, octokit } = await setup(t);
  const { data: bot } = await octokit.rest.users.getAuthenticated();
  assert.equal(bot.login, 'github-actions[bot]');
  assert.equal(bot.type, 'Bot');
  assert.equal(bot.id, 41898282);
  fake.addToken('ghp_octocat', 'octocat');
  const user = createOctokit('ghp_octocat', { baseUrl: fake.url, paceWrites: false });
  assert.equal((await user.rest.users.getAuthenticated()).data.login, 'octocat');
  const { data: issue } = await user.rest.issues.create({ owner, repo, title: 'By a person' });
  assert.equal(issue.user?.login, 'octocat');
  const { data: limits, headers } = await octokit.rest.rateLimit.get();
  assert.equal(limits.rate.used, 1, 'only the bot’s one request counts against its limit');
  assert.equal(headers['x-ratelimit-remaining'], '4999');
});

test('comments are created, read, updated, deleted, and paginated past 100 with octokit.paginate', async (t) => {
  const { fake, octokit } = await setup(t);
  const issue = fake.seedIssue(REPO, { title: 'Plan' });
  const { data: comment } = await octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: issue.number,
    body: 'first',
  });
  assert.match(comment.html_url, new RegExp(`/octo-org/infra/issues/1#issuecomment-${comment.id}$`));
  assert.equal(comment.user?.login, 'github-actions[bot]');
  assert.equal(fake.issue(REPO, 1)?.comments, 1);
  const { data: updated } = await octokit.rest.issues.updateComment({
    owner,
    repo,
    comment_id: comment.id,
    body: 'edited',
  });
  assert.equal(updated.body, 'edited');
  assert.equal((await octokit.rest.issues.getComment({ owner, repo, comment_id: comment.id })).data.body, 'edited');
  await octokit.rest.issues.deleteComment({ owner, repo, comment_id: comment.id });
  assert.equal((await failure(octokit.rest.issues.getComment({ owner, repo, comment_id: comment.id }))).status, 404);
  assert.equal(fake.issue(REPO, 1)?.comments, 0);

  for (let i = 1; i <= 250; i++)
    fake.seedComment(REPO, issue.number, `comment ${i}`, { user: i % 2 ? 'octocat' : 'hubot' });
  fake.clearRequests();
  const all = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issue.number,
    per_page: 100,
  });
  assert.equal(all.length, 250);
  assert.equal(all[0]?.body, 'comment 1');
  assert.equal(all[249]?.body, 'comment 250');
  assert.deepEqual(
    fake.requests.map((r) => r.query.page ?? '1'),
    ['1', '2', '3'],
  );
  const firstPage = await octokit.rest.issues.listComments({ owner, repo, issue_number: issue.number });
  assert.equal(firstPage.data.length, 30, 'GitHub’s default page size');
  assert.match(firstPage.headers.link ?? '', /page=2>; rel="next".*page=9>; rel="last"/);
});

test('labels are created, read, listed, added to and removed from an issue', async (t) => {
  const { octokit } = await setup(t);
  const { data: label } = await octokit.rest.issues.createLabel({
    owner,
    repo,
    name: 'drift',
    color: 'D93F0B',
    description: 'Infrastructure drifted',
  });
  assert.equal(label.color, 'd93f0b');
  assert.equal((await octokit.rest.issues.getLabel({ owner, repo, name: 'Drift' })).data.id, label.id);
  assert.equal((await failure(octokit.rest.issues.createLabel({ owner, repo, name: 'DRIFT' }))).status, 422);

  const { data: issue } = await octokit.rest.issues.create({ owner, repo, title: 'x' });
  const { data: added } = await octokit.rest.issues.addLabels({
    owner,
    repo,
    issue_number: issue.number,
    labels: ['drift', 'needs-apply'],
  });
  assert.deepEqual(
    added.map((l) => l.name),
    ['drift', 'needs-apply'],
  );
  assert.equal(added[1]?.color, 'ededed', 'a label added to an issue is created when missing');
  const { data: labels } = await octokit.rest.issues.listLabelsForRepo({ owner, repo });
  assert.deepEqual(
    labels.map((l) => l.name),
    ['drift', 'needs-apply'],
  );
  const { data: remaining } = await octokit.rest.issues.removeLabel({
    owner,
    repo,
    issue_number: issue.number,
    name: 'drift',
  });
  assert.deepEqual(
    remaining.map((l) => l.name),
    ['needs-apply'],
  );
  assert.equal(
    (await failure(octokit.rest.issues.removeLabel({ owner, repo, issue_number: issue.number, name: 'drift' }))).status,
    404,
  );
  const { data: filtered } = await octokit.rest.issues.listForRepo({ owner, repo, labels: 'needs-apply' });
  assert.deepEqual(
    filtered.map((i) => i.number),
    [issue.number],
  );
});

test('pull requests: get, list by state/head/base, reviews, files, and the pulls of a commit', async (t) => {
  const { fake, octokit } = await setup(t);
  const seeded = fake.seedPullRequest(REPO, {
    title: 'Add a bucket',
    head: 'feature/bucket',
    headSha: 'a'.repeat(40),
    commits: ['b'.repeat(40)],
    labels: ['terraform'],
    files: [{ filename: 'infra/main.tf', additions: 10, deletions: 2 }],
    reviews: [{ user: 'octocat', state: 'APPROVED' }],
  });
  fake.seedPullRequest(REPO, { title: 'Fork change', head: 'patch', headRepository: 'someone/infra', base: 'release' });
  const merged = fake.seedPullRequest(REPO, {
    title: 'Old',
    head: 'old',
    merged: true,
    mergeCommitSha: 'c'.repeat(40),
  });
  fake.seedReview(REPO, seeded.number, { user: 'hubot', state: 'CHANGES_REQUESTED', body: 'no' });

  const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: seeded.number });
  assert.equal(pr.head.ref, 'feature/bucket');
  assert.equal(pr.head.sha, 'a'.repeat(40));
  assert.equal(pr.base.ref, 'main');
  assert.equal(pr.base.repo.full_name, REPO);
  assert.deepEqual([pr.state, pr.merged, pr.additions, pr.deletions, pr.changed_files], ['open', false, 10, 2, 1]);
  assert.deepEqual(
    pr.labels.map((l) => l.name),
    ['terraform'],
  );

  const list = async (params: Record<string, string>) =>
    (await octokit.rest.pulls.list({ owner, repo, ...params })).data.map((p) => p.title);
  assert.deepEqual(await list({}), ['Fork change', 'Add a bucket']);
  assert.deepEqual(await list({ state: 'closed' }), ['Old']);
  assert.deepEqual(await list({ head: 'octo-org:feature/bucket' }), ['Add a bucket']);
  assert.deepEqual(await list({ head: 'someone:patch' }), ['Fork change']);
  assert.deepEqual(await list({ base: 'release' }), ['Fork change']);

  const { data: reviews } = await octokit.rest.pulls.listReviews({ owner, repo, pull_number: seeded.number });
  assert.deepEqual(
    reviews.map((r) => [r.user?.login, r.state, r.commit_id]),
    [
      ['octocat', 'APPROVED', 'a'.repeat(40)],
      ['hubot', 'CHANGES_REQUESTED', 'a'.repeat(40)],
    ],
  );
  const { data: files } = await octokit.rest.pulls.listFiles({ owner, repo, pull_number: seeded.number });
  assert.deepEqual(
    files.map((f) => [f.filename, f.status, f.changes]),
    [['infra/main.tf', 'modified', 12]],
  );

  const pullsOf = async (sha: string) =>
    (await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha })).data.map(
      (p) => p.number,
    );
  assert.deepEqual(await pullsOf('b'.repeat(40)), [seeded.number]);
  assert.deepEqual(await pullsOf('c'.repeat(40)), [merged.number], 'a merge commit leads to its pull request');
  assert.deepEqual(await pullsOf('d'.repeat(40)), []);

  // A pull request is an issue: comments and labels go through the issues API.
  await octokit.rest.issues.createComment({ owner, repo, issue_number: seeded.number, body: 'plan' });
  assert.equal(fake.pullRequest(REPO, seeded.number)?.comments, 1);
  assert.match(fake.comments(REPO, seeded.number)[0]!.html_url, /\/pull\/1#issuecomment-\d+$/);
});

test('workflow runs are listed with filters and read; artifacts listed, read and downloaded', async (t) => {
  const { fake, octokit } = await setup(t);
  const pr = fake.seedPullRequest(REPO, { title: 'x', head: 'feature' });
  const push = fake.seedWorkflowRun(REPO, { headSha: '1'.repeat(40), ageSeconds: 60 });
  const plan = fake.seedWorkflowRun(REPO, {
    name: 'Terraform',
    path: '.github/workflows/terraform.yml',
    event: 'pull_request',
    headBranch: 'feature',
    headSha: pr.head.sha,
    pullRequests: [pr.number],
  });
  const running = fake.seedWorkflowRun(REPO, { status: 'in_progress' });

  const runs = async (params: Record<string, string>) =>
    (await octokit.rest.actions.listWorkflowRunsForRepo({ owner, repo, ...params })).data.workflow_runs.map(
      (r) => r.id,
    );
  assert.deepEqual(await runs({}), [running.id, plan.id, push.id], 'newest first');
  assert.deepEqual(await runs({ branch: 'feature' }), [plan.id]);
  assert.deepEqual(await runs({ event: 'push' }), [running.id, push.id]);
  assert.deepEqual(await runs({ status: 'in_progress' }), [running.id]);
  assert.deepEqual(await runs({ status: 'success' }), [plan.id, push.id], 'status also matches conclusions');
  assert.deepEqual(await runs({ head_sha: '1'.repeat(40) }), [push.id]);
  const { data: byFile } = await octokit.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: 'terraform.yml' });
  assert.deepEqual(
    byFile.workflow_runs.map((r) => r.id),
    [plan.id],
  );
  const { data: run } = await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: plan.id });
  assert.equal(run.pull_requests?.[0]?.number, pr.number);
  assert.equal(run.repository.full_name, REPO);

  const zip = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
  const tfplan = fake.seedArtifact(REPO, { runId: plan.id, name: 'tfplan', content: zip });
  fake.seedArtifact(REPO, { runId: plan.id, name: 'logs' });
  fake.seedArtifact(REPO, { runId: push.id, name: 'tfplan' });
  const { data: ofRun } = await octokit.rest.actions.listWorkflowRunArtifacts({
    owner,
    repo,
    run_id: plan.id,
    name: 'tfplan',
  });
  assert.deepEqual(
    ofRun.artifacts.map((a) => a.id),
    [tfplan.id],
  );
  assert.equal(ofRun.total_count, 1);
  const { data: ofRepo } = await octokit.rest.actions.listArtifactsForRepo({ owner, repo, name: 'tfplan' });
  assert.equal(ofRepo.total_count, 2);
  const { data: artifact } = await octokit.rest.actions.getArtifact({ owner, repo, artifact_id: tfplan.id });
  assert.deepEqual([artifact.name, artifact.size_in_bytes, artifact.workflow_run?.id], ['tfplan', 22, plan.id]);
  assert.match(artifact.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  const download = await octokit.rest.actions.downloadArtifact({
    owner,
    repo,
    artifact_id: tfplan.id,
    archive_format: 'zip',
  });
  assert.deepEqual(new Uint8Array(download.data as ArrayBuffer), zip);
});

test('graphql minimizeComment hides the comment; unknown ids and queries are GraphQL errors', async (t) => {
  const { fake, octokit } = await setup(t);
  const issue = fake.seedIssue(REPO, { title: 'x' });
  const old = fake.seedComment(REPO, issue.number, 'old plan');
  const mutation = `mutation($id: ID!) {
    minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) { minimizedComment { isMinimized minimizedReason } }
  }`;
  const result = await octokit.graphql<{
    minimizeComment: { minimizedComment: { isMinimized: boolean; minimizedReason: string } };
  }>(mutation, {
    id: old.node_id,
  });
  assert.deepEqual(result.minimizeComment.minimizedComment, {
    isMinimized: true,
    minimizedReason: 'outdated',
    viewerCanMinimize: true,
  });
  assert.deepEqual(fake.comment(REPO, old.id)?.minimized, { reason: 'outdated' });
  const { data: rest } = await octokit.rest.issues.getComment({ owner, repo, comment_id: old.id });
  // Newer than Octokit's types: GitHub's schema has it, Octokit's does not yet.
  assert.deepEqual((rest as { minimized?: unknown }).minimized, { reason: 'outdated' });

  const asInput = 'mutation($input: MinimizeCommentInput!) { minimizeComment(input: $input) { clientMutationId } }';
  await assert.rejects(
    octokit.graphql(asInput, { input: { subjectId: 'IC_nope', classifier: 'OUTDATED' } }),
    /Could not resolve to a node with the global id of 'IC_nope'/,
  );
  await assert.rejects(octokit.graphql('{ viewer { login } }'), /does not implement this query/);
});

test('a 502 is retried transparently; the log shows both requests', async (t) => {
  const { fake, octokit } = await setup(t);
  fake.seedIssue(REPO, { title: 'x' });
  const fault = fake.injectFault('GET /repos/{owner}/{repo}/issues/{n}', { kind: 'status', status: 502 });
  const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: 1 });
  assert.equal(data.title, 'x');
  assert.deepEqual(statuses(fake, 'GET /repos/**'), [502, 200]);
  assert.equal(fault.remaining, 0);
});

test('a write that meets a 500 is retried: the comment is created once', async (t) => {
  const { fake, octokit } = await setup(t);
  fake.seedIssue(REPO, { title: 'x' });
  fake.injectFault('POST /repos/*/*/issues/*/comments', { kind: 'status', status: 500 }, 2);
  await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'plan' });
  assert.deepEqual(statuses(fake, 'POST /repos/*/*/issues/*/comments'), [500, 500, 201]);
  assert.equal(fake.comments(REPO, 1).length, 1);
});

test('a fault after handling makes the change and loses the answer', async (t) => {
  const { fake, octokit } = await setup(t);
  fake.injectFault('POST /repos/*/*/issues', { kind: 'status', status: 502, afterHandling: true });
  fake.injectFault('POST /repos/*/*/issues', { kind: 'drop', afterHandling: true });
  const { status } = await failure(octokit.rest.issues.create({ owner, repo, title: 'x', request: { retries: 0 } }));
  assert.equal(status, 502);
  assert.equal(fake.issues(REPO).length, 1, 'created although the client saw a 502');
  await failure(octokit.rest.issues.create({ owner, repo, title: 'y', request: { retries: 0 } }));
  assert.deepEqual(statuses(fake, 'POST /repos/*/*/issues'), [502, 'drop']);
  assert.deepEqual(
    fake.issues(REPO).map((i) => i.title),
    ['x', 'y'],
  );
});

test('a persistent 500 fails with its status after the retry limit', async (t) => {
  const { fake, octokit } = await setup(t, { retries: 2 });
  fake.injectFault('* /repos/**', { kind: 'status', status: 500 }, Infinity);
  const { status } = await failure(octokit.rest.issues.listForRepo({ owner, repo }));
  assert.equal(status, 500);
  assert.deepEqual(statuses(fake, 'GET /repos/**'), [500, 500, 500], 'the first attempt and 2 retries');
});

test('a primary rate limit (429, retry-after) is waited out, with a warning, then succeeds', async (t) => {
  const { fake, octokit, warnings } = await setup(t);
  fake.injectFault('GET /repos/*/*/issues', { kind: 'rate-limit', status: 429, retryAfterSeconds: 3 });
  const { data } = await octokit.rest.issues.listForRepo({ owner, repo });
  assert.deepEqual(data, []);
  const [limited, retried] = fake.requestsTo('GET /repos/*/*/issues');
  assert.deepEqual([limited?.status, retried?.status], [429, 200]);
  assert.ok(retried!.at - limited!.at >= 3 * WAIT_UNIT_MS, `waited ${retried!.at - limited!.at} ms`);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0]!,
    /rate limit reached on GET \/repos\/\{owner\}\/\{repo\}\/issues; retrying in [34]s \(retry 1 of 3\)/,
  );
});

test('a secondary rate limit (403) is retried after its retry-after', async (t) => {
  const { fake, octokit, warnings } = await setup(t);
  fake.injectFault('POST /repos/*/*/issues', { kind: 'secondary-rate-limit', retryAfterSeconds: 5 });
  const { data } = await octokit.rest.issues.create({ owner, repo, title: 'x' });
  assert.equal(data.number, 1);
  const [limited, retried] = fake.requestsTo('POST /repos/*/*/issues');
  assert.deepEqual([limited?.status, retried?.status], [403, 201]);
  assert.ok(retried!.at - limited!.at >= 5 * WAIT_UNIT_MS, `waited ${retried!.at - limited!.at} ms`);
  assert.match(warnings[0] ?? '', /secondary rate limit reached on POST .*; retrying in 5s/);
  assert.equal(fake.issues(REPO).length, 1);
});

test('rate limits stop being retried after the retry limit, or when the wait is too long', async (t) => {
  const { fake, octokit, warnings } = await setup(t, { retries: 1 });
  fake.injectFault('GET /user', { kind: 'secondary-rate-limit', retryAfterSeconds: 1 }, Infinity);
  assert.equal((await failure(octokit.rest.users.getAuthenticated())).status, 403);
  assert.deepEqual(statuses(fake, 'GET /user'), [403, 403]);
  assert.match(warnings.at(-1)!, /giving up, retry limit \(1\) reached/);

  fake.clearFaults();
  fake.injectFault('GET /rate_limit', { kind: 'rate-limit', retryAfterSeconds: 3600 });
  const { status, message } = await failure(octokit.rest.rateLimit.get());
  assert.equal(status, 429);
  assert.match(message, /API rate limit exceeded/);
  assert.deepEqual(statuses(fake, 'GET /rate_limit'), [429]);
  assert.match(warnings.at(-1)!, /too long to wait/);
});

test('a slow response still succeeds; one slower than the request timeout is retried', async (t) => {
  const { fake, octokit } = await setup(t, { requestTimeoutMs: 300 });
  fake.injectFault('GET /user', { kind: 'delay', ms: 150 });
  const started = Date.now();
  assert.equal((await octokit.rest.users.getAuthenticated()).data.login, 'github-actions[bot]');
  assert.ok(Date.now() - started >= 150);

  fake.clearRequests();
  fake.injectFault('GET /user', { kind: 'delay', ms: 600 });
  assert.equal((await octokit.rest.users.getAuthenticated()).data.login, 'github-actions[bot]');
  assert.deepEqual(
    fake.requests.map((r) => r.fault),
    ['delay', undefined],
  );
});

test('a dropped connection is retried; when it persists, the client surfaces it', async (t) => {
  const { fake, octokit } = await setup(t, { retries: 2 });
  fake.injectFault('GET /repos/*/*/pulls', { kind: 'drop' });
  assert.deepEqual((await octokit.rest.pulls.list({ owner, repo })).data, []);
  assert.deepEqual(statuses(fake, 'GET /repos/*/*/pulls'), ['drop', 200]);

  fake.clearRequests();
  fake.injectFault('GET /repos/*/*/pulls', { kind: 'drop' }, Infinity);
  const { status, message } = await failure(octokit.rest.pulls.list({ owner, repo }));
  assert.equal(status, 500, 'Octokit reports a network failure as a 500 without a response');
  assert.match(message, /other side closed|socket|terminated/i);
  assert.equal(fake.requests.length, 3);
});

test('without a baseUrl, the client talks to GITHUB_API_URL, GraphQL included', async (t) => {
  const { fake } = await setup(t);
  const saved = process.env.GITHUB_API_URL;
  process.env.GITHUB_API_URL = fake.url;
  t.onTestFinished(() => {
    if (saved === undefined) delete process.env.GITHUB_API_URL;
    else process.env.GITHUB_API_URL = saved;
  });
  const octokit = createOctokit(FAKE_GITHUB_TOKEN, { paceWrites: false });
  assert.equal((await octokit.rest.users.getAuthenticated()).data.login, 'github-actions[bot]');
  await assert.rejects(octokit.graphql('{ viewer { login } }'), /does not implement this query/);
  assert.deepEqual(
    fake.requests.map((r) => `${r.method} ${r.path}`),
    ['GET /user', 'POST /graphql'],
  );
});
