import assert from 'node:assert/strict';
import { test, type TestContext } from 'vitest';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake } from '../../../../test/fakes/github-api.ts';
import { createOctokit } from './octokit.ts';
import { approvalsOf, findMergedPullRequest } from './pull-requests.ts';

const REPO = 'octo-org/infra';
const repository = { owner: 'octo-org', repo: 'infra' };
const HEAD = 'c0ffee00000000000000000000000000000000a1';

async function setup(t: TestContext) {
  const fake = await startGitHubApiFake({ repositories: [REPO] });
  t.onTestFinished(() => fake.close());
  const octokit = createOctokit(FAKE_GITHUB_TOKEN, { baseUrl: fake.url, paceWrites: false });
  const pull = fake.seedPullRequest(REPO, { title: 'Grow', head: 'grow', headSha: HEAD, user: 'author' });
  return { fake, octokit, pull };
}

test('findMergedPullRequest finds the pull request a merge commit merged, not one that merely contains it', async (t) => {
  const { fake, octokit, pull } = await setup(t);
  assert.equal(await findMergedPullRequest(octokit, repository, HEAD), undefined, 'open: not merged yet');
  const merged = fake.mergePullRequest(REPO, pull.number);
  assert.deepEqual(await findMergedPullRequest(octokit, repository, merged.merge_commit_sha!), {
    number: pull.number,
    headSha: HEAD,
    author: 'author',
  });
  // The head commit belongs to the pull request, but did not merge it.
  assert.equal(await findMergedPullRequest(octokit, repository, HEAD), undefined);
});

test("approvalsOf counts each reviewer's latest decision on the commit, never the author's", async (t) => {
  const { fake, octokit, pull } = await setup(t);
  const applied = { number: pull.number, headSha: HEAD, author: 'author' };
  const review = (user: string, state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED', commitId = HEAD) =>
    fake.seedReview(REPO, pull.number, { user, state, commitId });

  review('author', 'APPROVED');
  review('old-commit', 'APPROVED', 'f'.repeat(40));
  assert.deepEqual(await approvalsOf(octokit, repository, applied, HEAD), []);

  review('alice', 'APPROVED');
  review('alice', 'COMMENTED'); // a later comment keeps the approval
  review('bob', 'APPROVED');
  review('bob', 'CHANGES_REQUESTED'); // withdrawn
  review('carol', 'APPROVED');
  review('carol', 'DISMISSED'); // withdrawn
  assert.deepEqual(await approvalsOf(octokit, repository, applied, HEAD), ['alice']);
});
