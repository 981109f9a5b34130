import { expect, test, type TestContext } from 'vitest';
import { createOctokit } from '@iac-actions/shared/github/octokit.ts';
import { FAKE_GITHUB_TOKEN, GITHUB_ACTIONS_BOT, startGitHubApiFake } from '../github-api.ts';

// Installation tokens (a job's GITHUB_TOKEN, a GitHub App's token) carry
// permissions; each route needs its scope ("Permissions required for GitHub
// Apps"), and GitHub answers a request outside them with 403 "Resource not
// accessible by integration". Tokens given no permissions may do everything.

const REPO = 'octo-org/infra';
const [owner, repo] = REPO.split('/') as [string, string];

async function setup(t: TestContext) {
  const fake = await startGitHubApiFake({ repositories: [REPO] });
  t.onTestFinished(() => fake.close());
  fake.seedIssue(REPO, { title: 'Plan' });
  fake.seedPullRequest(REPO, { title: 'Grow', head: 'grow' });
  const client = (token: string) =>
    createOctokit(token, { baseUrl: fake.url, paceWrites: false, retryAfterBaseValue: 1 });
  return { fake, client };
}

async function status(promise: Promise<{ status: number }>): Promise<number | string> {
  return promise.then(
    (response) => response.status,
    (error: { status: number; message: string }) => `${error.status} ${error.message.split(' - ')[0]}`,
  );
}

test('a token may use the routes of its scopes only', async (t) => {
  const { fake, client } = await setup(t);
  fake.addToken('ghs_job', GITHUB_ACTIONS_BOT, {
    permissions: { metadata: 'read', contents: 'read', issues: 'write' },
  });
  const octokit = client('ghs_job');
  expect(await status(octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'x' }))).toBe(201);
  expect(await status(octokit.rest.issues.listComments({ owner, repo, issue_number: 1 }))).toBe(200);
  expect(
    await status(octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: 'abc' })),
  ).toBe(200);
  expect(await status(octokit.rest.pulls.listReviews({ owner, repo, pull_number: 2 }))).toBe(
    '403 Resource not accessible by integration',
  );
  expect(await status(octokit.rest.actions.listArtifactsForRepo({ owner, repo }))).toBe(
    '403 Resource not accessible by integration',
  );
  // An installation token may not read /user.
  expect(await status(octokit.rest.users.getAuthenticated())).toBe('403 Resource not accessible by integration');
  expect(fake.requestsWith('ghs_job').map((r) => r.status)).toEqual([201, 200, 200, 403, 403, 403]);
});

test('read is not write; pull-requests write may comment on a pull request', async (t) => {
  const { fake, client } = await setup(t);
  fake.addToken('ghs_reader', GITHUB_ACTIONS_BOT, { permissions: { 'pull-requests': 'read' } });
  fake.addToken('ghs_writer', GITHUB_ACTIONS_BOT, { permissions: { 'pull-requests': 'write' } });
  const comment = (token: string) =>
    client(token).rest.issues.createComment({ owner, repo, issue_number: 2, body: 'plan' });
  expect(await status(comment('ghs_reader'))).toBe('403 Resource not accessible by integration');
  expect(await status(comment('ghs_writer'))).toBe(201);
  expect(await status(client('ghs_writer').rest.issues.create({ owner, repo, title: 'Drift' }))).toBe(
    '403 Resource not accessible by integration',
  );
});

test('a token without permissions may do everything; a revoked token is refused', async (t) => {
  const { fake, client } = await setup(t);
  expect(fake.tokenPermissions(FAKE_GITHUB_TOKEN)).toBeUndefined();
  expect(await status(client(FAKE_GITHUB_TOKEN).rest.users.getAuthenticated())).toBe(200);
  fake.addToken('ghs_short', GITHUB_ACTIONS_BOT, { permissions: { issues: 'read' } });
  expect(await status(client('ghs_short').rest.issues.get({ owner, repo, issue_number: 1 }))).toBe(200);
  fake.revokeToken('ghs_short');
  expect(await status(client('ghs_short').rest.issues.get({ owner, repo, issue_number: 1 }))).toBe(
    '401 Bad credentials',
  );
});
