import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake, type GitHubApiFake } from '../../../../test/fakes/github-api.ts';
import { createOctokit } from './octokit.ts';
import { publishStickyComment } from './sticky-comment.ts';

// The sticky comment against the GitHub API fake, through the real Octokit.
interface Marker {
  stack: string;
  sha: string;
  outdated?: boolean;
}
const readMarker = (body: string): Marker | undefined => {
  const match = /^<!-- test-marker (.*) -->/.exec(body);
  return match ? (JSON.parse(match[1]!) as Marker) : undefined;
};
const bodyFor = (m: Marker, text: string) => `<!-- test-marker ${JSON.stringify(m)} -->\n${text}`;

function request(stack: string, sha: string, text: string) {
  return {
    body: bodyFor({ stack, sha }, text),
    readMarker,
    isCurrent: (m: Marker) => m.stack === stack && m.sha === sha,
    isSuperseded: (m: Marker) => m.stack === stack && m.sha !== sha && !m.outdated,
    outdatedBody: (c: { body: string }) => bodyFor({ ...readMarker(c.body)!, outdated: true }, 'outdated'),
  };
}

describe('publishStickyComment', () => {
  let fake: GitHubApiFake;
  const repo = 'octo-org/infra';
  const target = { owner: 'octo-org', repo: 'infra', issueNumber: 0 };
  beforeAll(async () => {
    fake = await startGitHubApiFake({ repositories: [repo] });
    target.issueNumber = fake.seedPullRequest(repo, { title: 'infra change', head: 'feature' }).number;
  });
  afterAll(() => fake.close());
  const octokit = () =>
    createOctokit(FAKE_GITHUB_TOKEN, { baseUrl: fake.url, paceWrites: false, retryAfterBaseValue: 1 });

  it('creates a comment, then updates the same one on re-runs', async () => {
    const first = await publishStickyComment(octokit(), target, request('prod', 'aaa', 'v1'));
    assert.equal(first.created, true);
    const second = await publishStickyComment(octokit(), target, request('prod', 'aaa', 'v2'));
    assert.equal(second.created, false);
    assert.equal(second.comment.id, first.comment.id);
    // When it was posted, as GitHub recorded it: an update leaves it as it is.
    assert.match(first.comment.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(second.comment.createdAt, first.comment.createdAt);
    const comments = fake.comments(repo, target.issueNumber);
    assert.equal(comments.length, 1);
    assert.match(comments[0]!.body ?? '', /\nv2$/);
  });

  it('keeps stacks apart and ignores lookalike comments by other users', async () => {
    fake.seedComment(repo, target.issueNumber, bodyFor({ stack: 'dev', sha: 'aaa' }, 'a user quoting a marker'), {
      user: 'mallory',
    });
    const dev = await publishStickyComment(octokit(), target, request('dev', 'aaa', 'dev plan'));
    assert.equal(dev.created, true);
    const bodies = fake.comments(repo, target.issueNumber).map((c) => c.body);
    assert.ok(
      bodies.includes(bodyFor({ stack: 'dev', sha: 'aaa' }, 'a user quoting a marker')),
      'user comment untouched',
    );
    assert.equal(bodies.filter((b) => b?.endsWith('dev plan')).length, 1);
  });

  it('posts a new comment for a new commit and minimizes the superseded one once', async () => {
    const old = fake.comments(repo, target.issueNumber).find((c) => readMarker(c.body ?? '')?.stack === 'prod')!;
    const next = await publishStickyComment(octokit(), target, request('prod', 'bbb', 'v3'));
    assert.equal(next.created, true);
    assert.deepEqual(next.outdated, [old.id]);
    const stored = fake.comment(repo, old.id) as unknown as { body: string; minimized?: { reason: string } };
    assert.equal(readMarker(stored.body)?.outdated, true);
    assert.ok(stored.minimized, 'minimized through GraphQL');
    const again = await publishStickyComment(octokit(), target, request('prod', 'bbb', 'v4'));
    assert.deepEqual(again.outdated, [], 'an outdated comment is not handled twice');
  });

  const quickRetry = { retry: { attempts: 4, firstDelayMs: 5, maxDelayMs: 20 } };
  const stackComments = (stack: string) =>
    fake.comments(repo, target.issueNumber).filter((c) => readMarker(c.body ?? '')?.stack === stack);

  it('makes one comment when GitHub made it and the answer was lost (502 or a dropped connection)', async () => {
    for (const [stack, fault] of [
      ['lost-502', { kind: 'status', status: 502, afterHandling: true }],
      ['lost-drop', { kind: 'drop', afterHandling: true }],
    ] as const) {
      const injected = fake.injectFault('POST /repos/*/*/issues/*/comments', fault);
      const result = await publishStickyComment(octokit(), target, request(stack, 'aaa', 'the plan'), quickRetry);
      assert.equal(injected.remaining, 0, `${stack}: the fault was met`);
      const made = stackComments(stack);
      assert.equal(made.length, 1, `${stack}: one comment, not two`);
      assert.deepEqual([result.created, result.comment.id], [true, made[0]!.id]);
      assert.match(made[0]!.body ?? '', /\nthe plan$/);
    }
  });

  it('posts again when GitHub refused the post before making it', async () => {
    const injected = fake.injectFault('POST /repos/*/*/issues/*/comments', { kind: 'status', status: 503 }, 2);
    const result = await publishStickyComment(octokit(), target, request('refused', 'aaa', 'v1'), quickRetry);
    assert.equal(injected.remaining, 0);
    assert.equal(stackComments('refused').length, 1);
    assert.equal(result.created, true);
  });

  it('gives up with the last error after its attempts when GitHub keeps failing, having made nothing', async () => {
    const injected = fake.injectFault('POST /repos/*/*/issues/*/comments', { kind: 'status', status: 502 }, Infinity);
    try {
      await assert.rejects(
        publishStickyComment(octokit(), target, request('down', 'aaa', 'v1'), quickRetry),
        (error: { status?: number }) => error.status === 502,
      );
      assert.equal(stackComments('down').length, 0);
      assert.equal(
        fake.requestsTo('POST /repos/*/*/issues/*/comments').filter((r) => r.path.includes(`/${target.issueNumber}/`))
          .length >= 4,
        true,
      );
    } finally {
      injected.cancel();
    }
  });
});
