import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake, type GitHubApiFake } from '../../../../../test/fakes/github-api.ts';
import { seedCommit } from '../../../../../test/fakes/github-api/routes-repositories.ts';
import { completeContext, commitDateFromPayload, runLookups, type ContextLookups } from './context-lookups.ts';
import type { GitContext } from './context.ts';
import { computeMetadata } from './meta.ts';
import { bareSchedule, branchPush, pullRequest, push, workflowDispatch } from './test-events.ts';

const COMMIT_DATE_TAGS = "type=raw,value={{commit_date 'YYYYMMDD-HHmmss'}}";
const SHA = '90dd6032fac8bda1b6c4436a2e65de27961ed071';

let api: GitHubApiFake;
let checkout: string;
let workspace: string;

beforeAll(async () => {
  api = await startGitHubApiFake();
  const repository = api.addRepository('octo-org/octo-repo', { defaultBranch: 'trunk' });
  repository.description = 'The repository a schedule runs in';
  repository.license = { key: 'mit', name: 'MIT License', spdx_id: 'MIT', url: null, node_id: 'MDc6TGljZW5zZTEz' };
  seedCommit(repository, SHA, '2020-01-09T21:04:05Z');
  // A real checkout, for the git fallback.
  checkout = await mkdtemp(path.join(tmpdir(), 'metadata-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: checkout,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@example.com',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@example.com',
        GIT_COMMITTER_DATE: '2019-12-24T18:00:00+01:00',
      },
    })
      .toString()
      .trim();
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'first');
  workspace = git('rev-parse', 'HEAD');
});

afterAll(async () => {
  await api.close();
  await rm(checkout, { recursive: true, force: true });
});

const lookups = (token = FAKE_GITHUB_TOKEN) =>
  runLookups({
    token,
    repository: 'octo-org/octo-repo',
    workspace: checkout,
    env: { ...process.env, GITHUB_API_URL: api.url },
  });

async function metadataOf(context: GitContext, source: ContextLookups, tags = COMMIT_DATE_TAGS) {
  const warnings: string[] = [];
  const completed = await completeContext(context, source, { needsCommitDate: true, warn: (w) => warnings.push(w) });
  return {
    ...computeMetadata({ images: 'user/app', tags, flavor: '', labels: '', annotations: '' }, completed),
    lookupWarnings: warnings,
  };
}

test('the commit date comes from the payload of a push to a branch or of a tag', () => {
  expect(commitDateFromPayload(branchPush().payload, branchPush().sha)?.toISOString()).toBe('2019-05-15T15:19:25.000Z');
  const tag = push('refs/tags/v1.2.3');
  expect(commitDateFromPayload(tag.payload, tag.sha)?.toISOString()).toBe('2019-05-15T15:20:41.000Z');
  // Another commit than the head: not from the payload.
  expect(commitDateFromPayload(tag.payload, SHA)).toBeUndefined();
  expect(commitDateFromPayload(pullRequest().payload, pullRequest().sha)).toBeUndefined();
});

test('{{commit_date}} on a push is the commit date of the payload, without any lookup', async () => {
  const requests = api.requests.length;
  expect((await metadataOf(branchPush(), lookups())).tags).toEqual(['20190515-151925']);
  expect((await metadataOf(push('refs/tags/v1.2.3'), lookups())).tags).toEqual(['20190515-152041']);
  expect(api.requests.length).toBe(requests);
});

test('{{commit_date}} without the commit in the payload comes from the GitHub API (workflow_dispatch, schedule)', async () => {
  const result = await metadataOf(workflowDispatch(), lookups());
  expect(result.tags).toEqual(['20200109-210405']);
  expect(result.lookupWarnings).toEqual([]);
  expect(api.requestsTo(`GET /repos/octo-org/octo-repo/commits/${SHA}`).length).toBeGreaterThan(0);
});

test('{{commit_date}} falls back to git log in the checkout, then to the run time with a warning', async () => {
  const inCheckout = { ...pullRequest(), sha: workspace };
  const result = await metadataOf(inCheckout, lookups());
  expect(result.tags).toEqual(['20191224-170000']);
  expect(result.lookupWarnings).toEqual([
    expect.stringMatching(new RegExp(`^Could not read the date of commit ${workspace} from the GitHub API: `)),
  ]);

  const nowhere = await metadataOf({ ...pullRequest(), sha: 'f'.repeat(40) }, lookups(''));
  expect(nowhere.tags).toEqual(['20200110-003000']);
  expect(nowhere.lookupWarnings.at(-1)).toBe(
    `The date of commit ${'f'.repeat(40)} is unknown: {{commit_date}} is the run's time.`,
  );
});

test('on schedule (no repository in the payload) the repository comes from the API: labels and type=edge', async () => {
  const context = { ...bareSchedule(), ref: 'refs/heads/trunk' };
  const result = await metadataOf(context, lookups(), 'type=edge\ntype=raw,value={{is_default_branch}}');
  expect(result.tags).toEqual(['edge', 'true']);
  expect(result.labels).toMatchObject({
    'org.opencontainers.image.title': 'octo-repo',
    'org.opencontainers.image.description': 'The repository a schedule runs in',
    'org.opencontainers.image.url': `${api.url}/octo-org/octo-repo`,
    'org.opencontainers.image.source': `${api.url}/octo-org/octo-repo`,
    'org.opencontainers.image.licenses': 'MIT',
  });

  // Without the API: a warning, empty labels, no edge tag, and the step goes on.
  const without = await metadataOf(context, lookups(''), 'type=edge\ntype=sha');
  expect(without.tags).toEqual(['sha-90dd603']);
  expect(without.labels['org.opencontainers.image.source']).toBe('');
  expect(without.lookupWarnings).toEqual([
    'Could not read the repository from the GitHub API: no github-token',
    'The event has no repository and the GitHub API gave none: the OCI labels title, description, url, source and licenses are empty, and type=edge without branch= makes no tag.',
    expect.stringMatching(/^Could not read the date of commit/),
    expect.stringMatching(/^Could not read the date of commit .* from git/),
    `The date of commit ${SHA} is unknown: {{commit_date}} is the run's time.`,
  ]);
});
