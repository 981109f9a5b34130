import { startArtifactServiceFake } from '../../test/fakes/artifact-service.ts';
import {
  FAKE_GITHUB_TOKEN,
  GITHUB_ACTIONS_BOT,
  startGitHubApiFake,
  type GitHubApiFake,
  type PullRequestSeed,
  type ReviewSeed,
} from '../../test/fakes/github-api.ts';

// Off GitHub there is no artifact service and no GitHub API. A local run
// starts the test suite's fakes of both on loopback (the real clients,
// Octokit and @actions/artifact, talk to them over HTTP), makes the fake hold
// the repository and pull request the event names, and afterwards tells what
// the step wrote there. With `--github-api`, a real API takes the fake's place.

/** Past this, seeding issues to reach the event's pull request number is not worth it. */
const MAX_SEEDED_NUMBER = 10_000;

export interface PostedComment {
  issueNumber: number;
  url: string;
  body: string;
  /** Edited after it was created (a sticky comment updated in place). */
  edited: boolean;
}

export interface PostedIssue {
  number: number;
  title: string;
  state: string;
  labels: string[];
  url: string;
  body: string;
}

export interface ServiceReport {
  /** `--github-api`: nothing is known of what the step did there. */
  realApi?: string;
  /** Every request that changed something in the GitHub API fake, in order. */
  writes: { method: string; path: string; status: number | undefined }[];
  /** Issues the step opened, as they are now. */
  issues: PostedIssue[];
  /** Comments the step wrote, as they are now. */
  comments: PostedComment[];
  /** Artifacts the step uploaded. */
  artifacts: { name: string; size: number; finalized: boolean }[];
}

export interface LocalServices {
  /** The variables the runner would give the step to reach the services. */
  env: Record<string, string>;
  /** The value of `${{ github.token }}`. */
  token: string;
  /** What runs where, a line each, for the header. */
  describe: string[];
  report(): ServiceReport;
  close(): Promise<void>;
}

export async function startLocalServices(options: {
  payload: Record<string, unknown>;
  /** `owner/name`: GITHUB_REPOSITORY of the run. */
  repository: string;
  githubApi?: { url: string; token: string };
}): Promise<LocalServices> {
  const artifacts = await startArtifactServiceFake();
  const artifactEnv = {
    // @actions/artifact (v2) reads these two; the runner also sets ACTIONS_RUNTIME_URL.
    ...artifacts.env(),
    ACTIONS_RUNTIME_URL: `${artifacts.url}/`,
  };
  const describe = [`artifact service fake  ${artifacts.url}`];
  const listArtifacts = () =>
    artifacts
      .artifacts()
      .map((a) => ({ name: a.name, size: a.size || (a.content?.length ?? 0), finalized: a.finalized }));

  if (options.githubApi) {
    const { url, token } = options.githubApi;
    describe.unshift(`GitHub API             ${url} (real, token from GITHUB_TOKEN; repository ${options.repository})`);
    return {
      env: { ...artifactEnv, GITHUB_API_URL: url, GITHUB_GRAPHQL_URL: graphqlUrl(url) },
      token,
      describe,
      report: () => ({ realApi: url, writes: [], issues: [], comments: [], artifacts: listArtifacts() }),
      close: () => artifacts.close(),
    };
  }

  let github: GitHubApiFake;
  try {
    github = await startGitHubApiFake({ repositories: [options.repository] });
  } catch (error) {
    await artifacts.close();
    throw error;
  }
  const seeded = seedEventObjects(github, options.repository, options.payload);
  describe.unshift(
    `GitHub API fake        ${github.url} (repository ${options.repository}${seeded ? `; ${seeded}` : ''})`,
  );
  const repo = options.repository;
  return {
    env: {
      ...artifactEnv,
      GITHUB_API_URL: github.url,
      GITHUB_GRAPHQL_URL: `${github.url}/graphql`,
      GITHUB_REPOSITORY: repo,
      GITHUB_REPOSITORY_OWNER: repo.split('/')[0]!,
    },
    token: FAKE_GITHUB_TOKEN,
    describe,
    report() {
      const writes = github.requests
        .filter((r) => !['GET', 'HEAD'].includes(r.method))
        .map((r) => ({ method: r.method, path: r.path, status: r.status }));
      const edited = (id: number) =>
        github.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/issues/comments/${id}`));
      const mine = (user: { login: string } | null | undefined) => user?.login === GITHUB_ACTIONS_BOT.login;
      const all = github.issues(repo);
      return {
        writes,
        issues: all
          .filter((issue) => mine(issue.user) && !issue.pull_request)
          .map((issue) => ({
            number: issue.number,
            title: issue.title,
            state: issue.state,
            labels: issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
            url: issue.html_url,
            body: issue.body ?? '',
          })),
        comments: all.flatMap((issue) =>
          github
            .comments(repo, issue.number)
            .filter((c) => mine(c.user))
            .map((c) => ({ issueNumber: issue.number, url: c.html_url, body: c.body ?? '', edited: edited(c.id) })),
        ),
        artifacts: listArtifacts(),
      };
    },
    close: async () => {
      await Promise.all([github.close(), artifacts.close()]);
    },
  };
}

/**
 * Makes the fake hold the pull request the payload names, under its number,
 * with its head, base, state and the review of a review event; returns what
 * was seeded, in words.
 */
function seedEventObjects(github: GitHubApiFake, repo: string, payload: Record<string, unknown>): string {
  const pull = pullRequestOf(payload);
  if (!pull) return '';
  if (pull.number > MAX_SEEDED_NUMBER) {
    return `pull request #${pull.number} is not seeded: the fake numbers from 1, and seeds at most #${MAX_SEEDED_NUMBER}`;
  }
  // The fake numbers issues and pull requests in order: closed placeholders fill the gap.
  for (let next = 1; next < pull.number; next++) {
    github.seedIssue(repo, { title: `placeholder #${next} (local run)`, state: 'closed' });
  }
  const seededPull = github.seedPullRequest(repo, pull.seed);
  if (pull.review) github.seedReview(repo, seededPull.number, pull.review);
  return `pull request #${seededPull.number} ${pull.seed.head} @ ${seededPull.head.sha.slice(0, 7)}${pull.review ? `, a ${pull.review.state} review` : ''}`;
}

interface PayloadPull {
  number?: number;
  title?: string;
  body?: string | null;
  state?: string;
  draft?: boolean;
  merged?: boolean;
  merge_commit_sha?: string | null;
  user?: { login?: string } | null;
  labels?: { name?: string }[];
  head?: { ref?: string; sha?: string; repo?: { full_name?: string } | null };
  base?: { ref?: string; sha?: string };
}

const REVIEW_STATES = ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'] as const;

/** The pull request of a pull_request* payload (or of an issue_comment on one), as a seed for the fake. */
export function pullRequestOf(
  payload: Record<string, unknown>,
): { number: number; seed: PullRequestSeed; review?: ReviewSeed } | undefined {
  const issue = payload.issue as { number?: number; title?: string; pull_request?: unknown } | undefined;
  const pr =
    (payload.pull_request as PayloadPull | undefined) ?? (issue?.pull_request ? (issue as PayloadPull) : undefined);
  if (!pr || !Number.isInteger(pr.number) || pr.number! < 1) return undefined;
  const seed: PullRequestSeed = {
    title: pr.title ?? 'Pull request of the local run',
    body: pr.body ?? null,
    head: pr.head?.ref ?? 'local-run',
    ...(pr.head?.sha ? { headSha: pr.head.sha } : {}),
    ...(pr.head?.repo?.full_name ? { headRepository: pr.head.repo.full_name } : {}),
    ...(pr.base?.ref ? { base: pr.base.ref } : {}),
    ...(pr.base?.sha ? { baseSha: pr.base.sha } : {}),
    ...(pr.user?.login ? { user: pr.user.login } : {}),
    labels: (pr.labels ?? []).map((l) => l.name ?? '').filter(Boolean),
    draft: pr.draft ?? false,
    ...(pr.merged ? { merged: true } : pr.state === 'closed' ? { state: 'closed' as const } : {}),
    ...(pr.merge_commit_sha ? { mergeCommitSha: pr.merge_commit_sha } : {}),
  };
  const review = payload.review as { state?: string; user?: { login?: string }; body?: string; commit_id?: string };
  const state = review?.state?.toUpperCase() as ReviewSeed['state'] | undefined;
  const reviewSeed: ReviewSeed | undefined =
    state && REVIEW_STATES.includes(state) && review.user?.login
      ? {
          user: review.user.login,
          state,
          ...(review.body ? { body: review.body } : {}),
          ...(review.commit_id ? { commitId: review.commit_id } : {}),
        }
      : undefined;
  return { number: pr.number!, seed, ...(reviewSeed ? { review: reviewSeed } : {}) };
}

/** GraphQL's endpoint beside a REST root: api.github.com/graphql, or GHES's /api/graphql. */
export function graphqlUrl(restUrl: string): string {
  return /\/api\/v3$/.test(restUrl) ? restUrl.replace(/\/api\/v3$/, '/api/graphql') : `${restUrl}/graphql`;
}
