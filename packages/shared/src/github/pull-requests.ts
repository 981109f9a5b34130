import type { GitHubClient } from './octokit.ts';

// What tf-apply asks GitHub about the pull request behind what it applies:
// which pull request a pushed merge commit came from, and who approved it.

export interface RepositoryRef {
  owner: string;
  repo: string;
}

export interface AppliedPullRequest {
  number: number;
  headSha: string;
  author: string;
}

/**
 * The pull request that `sha` merged (its merge commit, squash commit or the
 * last commit of a rebase), or undefined for a direct push.
 */
export async function findMergedPullRequest(
  octokit: GitHubClient,
  repository: RepositoryRef,
  sha: string,
): Promise<AppliedPullRequest | undefined> {
  const pulls = await octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
    ...repository,
    commit_sha: sha,
    per_page: 100,
  });
  const merged = pulls.find((pull) => pull.merged_at && pull.merge_commit_sha === sha);
  return merged && { number: merged.number, headSha: merged.head.sha, author: merged.user?.login ?? '' };
}

export async function getPullRequest(
  octokit: GitHubClient,
  repository: RepositoryRef,
  number: number,
): Promise<AppliedPullRequest> {
  const { data } = await octokit.rest.pulls.get({ ...repository, pull_number: number });
  return { number, headSha: data.head.sha, author: data.user.login };
}

/**
 * Who approved `commitSha` of the pull request, its author excluded: each
 * reviewer's latest deciding review counts (a later "changes requested" or a
 * dismissal withdraws an approval, a later comment does not), and only when
 * it was given on that commit.
 */
export async function approvalsOf(
  octokit: GitHubClient,
  repository: RepositoryRef,
  pull: AppliedPullRequest,
  commitSha: string,
): Promise<string[]> {
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
    ...repository,
    pull_number: pull.number,
    per_page: 100,
  });
  const latest = new Map<string, { state: string; commitId: string | null }>();
  for (const review of reviews) {
    const login = review.user?.login;
    if (!login || login === pull.author) continue;
    if (!['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(review.state)) continue;
    latest.set(login, { state: review.state, commitId: review.commit_id });
  }
  return [...latest]
    .filter(([, review]) => review.state === 'APPROVED' && review.commitId === commitSha)
    .map(([login]) => login);
}
