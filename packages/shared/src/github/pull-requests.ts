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

export interface Approval {
  login: string;
  /** The commit the review was given on. */
  commitSha: string;
  /** When it was submitted (ISO 8601, whole seconds). */
  submittedAt: string;
}

export interface PlanApprovals {
  /** Approvals of the plan: on its commit, and submitted after it was posted. */
  current: Approval[];
  /** Approvals that stand on GitHub but not for this plan: another commit, or given before it was posted. */
  stale: Approval[];
}

/**
 * Who approved the plan made for `commitSha` of the pull request, its author
 * excluded: each reviewer's latest deciding review counts (a later "changes
 * requested" or a dismissal withdraws an approval, a later comment does not),
 * and only when it was given on that commit and, with `postedAt` (when the
 * plan's comment was posted), after the plan was shown. GitHub's times have
 * whole seconds: an approval in the second the plan was posted cannot be told
 * to come after it, and does not count.
 */
export async function planApprovals(
  octokit: GitHubClient,
  repository: RepositoryRef,
  pull: AppliedPullRequest,
  commitSha: string,
  options: { postedAt?: string } = {},
): Promise<PlanApprovals> {
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
    ...repository,
    pull_number: pull.number,
    per_page: 100,
  });
  const latest = new Map<string, { state: string; approval: Approval }>();
  for (const review of reviews) {
    const login = review.user?.login;
    if (!login || login === pull.author) continue;
    if (!['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(review.state)) continue;
    latest.set(login, {
      state: review.state,
      approval: { login, commitSha: review.commit_id ?? '', submittedAt: review.submitted_at ?? '' },
    });
  }
  const posted = options.postedAt ? Date.parse(options.postedAt) : undefined;
  const result: PlanApprovals = { current: [], stale: [] };
  for (const { state, approval } of latest.values()) {
    if (state !== 'APPROVED') continue;
    const afterPlan = posted === undefined || Date.parse(approval.submittedAt) > posted;
    (approval.commitSha === commitSha && afterPlan ? result.current : result.stale).push(approval);
  }
  return result;
}
