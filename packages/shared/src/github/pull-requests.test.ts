import assert from 'node:assert/strict';
import { expect, test, type TestContext } from 'vitest';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake } from '../../../../test/fakes/github-api.ts';
import { createOctokit } from './octokit.ts';
import { findMergedPullRequest, planApprovals } from './pull-requests.ts';

const REPO = 'octo-org/infra';
const repository = { owner: 'octo-org', repo: 'infra' };
const HEAD = 'c0ffee00000000000000000000000000000000a1';

async function setup(t: TestContext) {
  // GitHub's clock, moved by the test: reviews and comments get the times it says.
  const clock = { now: new Date('2025-06-02T10:00:00Z') };
  const fake = await startGitHubApiFake({ repositories: [REPO], now: () => clock.now });
  t.onTestFinished(() => fake.close());
  const octokit = createOctokit(FAKE_GITHUB_TOKEN, { baseUrl: fake.url, paceWrites: false });
  const pull = fake.seedPullRequest(REPO, { title: 'Grow', head: 'grow', headSha: HEAD, user: 'author' });
  return { fake, octokit, pull, clock };
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

test("planApprovals counts each reviewer's latest decision on the commit, never the author's", async (t) => {
  const { fake, octokit, pull } = await setup(t);
  const applied = { number: pull.number, headSha: HEAD, author: 'author' };
  const review = (user: string, state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED', commitId = HEAD) =>
    fake.seedReview(REPO, pull.number, { user, state, commitId });

  review('author', 'APPROVED');
  review('old-commit', 'APPROVED', 'f'.repeat(40));
  const logins = async () => (await planApprovals(octokit, repository, applied, HEAD)).current.map((a) => a.login);
  assert.deepEqual(await logins(), []);

  review('alice', 'APPROVED');
  review('alice', 'COMMENTED'); // a later comment keeps the approval
  review('bob', 'APPROVED');
  review('bob', 'CHANGES_REQUESTED'); // withdrawn
  review('carol', 'APPROVED');
  review('carol', 'DISMISSED'); // withdrawn
  assert.deepEqual(await logins(), ['alice']);
});

test('planApprovals counts only approvals given after the plan was posted; earlier ones and other commits are stale', async (t) => {
  const { fake, octokit, pull, clock } = await setup(t);
  const applied = { number: pull.number, headSha: HEAD, author: 'author' };
  const at = (time: string) => (clock.now = new Date(time));
  at('2025-06-02T10:00:00Z');
  fake.seedReview(REPO, pull.number, { user: 'alice', state: 'APPROVED' });
  at('2025-06-02T10:05:00Z');
  fake.seedReview(REPO, pull.number, { user: 'bob', state: 'APPROVED', commitId: 'f'.repeat(40) });
  // The plan comment was posted at 10:05:00; bob's approval in that very second cannot be told to come after it.
  const posted = { postedAt: '2025-06-02T10:05:00Z' };

  expect(await planApprovals(octokit, repository, applied, HEAD, posted)).toEqual({
    current: [],
    stale: [
      { login: 'alice', commitSha: HEAD, submittedAt: '2025-06-02T10:00:00Z' },
      { login: 'bob', commitSha: 'f'.repeat(40), submittedAt: '2025-06-02T10:05:00Z' },
    ],
  });
  // Without a plan comment, the commit alone decides.
  expect((await planApprovals(octokit, repository, applied, HEAD)).current.map((a) => a.login)).toEqual(['alice']);

  at('2025-06-02T10:05:01Z');
  fake.seedReview(REPO, pull.number, { user: 'alice', state: 'APPROVED' }); // again, after reviewing the plan
  const after = await planApprovals(octokit, repository, applied, HEAD, posted);
  expect(after.current).toEqual([{ login: 'alice', commitSha: HEAD, submittedAt: '2025-06-02T10:05:01Z' }]);
  expect(after.stale.map((a) => a.login)).toEqual(['bob']);
});
