import { matchesFilters } from './filter-pattern.ts';

// Deployment environments ("Managing environments for deployment"): a job
// that names an environment runs only when its protection rules pass —
// deployment branches and tags, required reviewers ("only one of the required
// reviewers needs to approve"; "prevent self-review") — and then sees the
// environment's secrets and variables over the repository's.

export interface EnvironmentSettings {
  /** Required reviewers, by login. The run waits until one approves, or rejects. */
  reviewers?: string[];
  /** The person who triggered the run may not approve it. */
  preventSelfReview?: boolean;
  /** "Selected branches and tags": branch name patterns that may deploy. Unset with `tags` unset: every ref may. */
  branches?: string[];
  /** Tag name patterns that may deploy. */
  tags?: string[];
  secrets?: Record<string, string>;
  variables?: Record<string, string>;
}

export interface ReviewRequest {
  runId: number;
  workflow: string;
  /** The job's display name (`deploy (prod) / apply`). */
  job: string;
  environment: string;
  reviewers: string[];
  /** Who triggered the run. */
  actor: string;
  ref: string;
  sha: string;
}

export interface ReviewDecision {
  approve: boolean;
  /** The reviewer's login: one of the required reviewers. */
  by: string;
  comment?: string;
}

/** The test's reviewers: decides each pending deployment review, when it wishes. */
export type Reviewer = (request: ReviewRequest) => ReviewDecision | Promise<ReviewDecision>;

export interface ApprovalRecord {
  environment: string;
  job: string;
  reviewers: string[];
  state: 'approved' | 'rejected';
  by: string;
  comment?: string;
  /** When the review was asked for and given, ISO 8601. */
  requestedAt: string;
  decidedAt: string;
  /** Positions in the runner's event sequence, to order them against other events. */
  requestedSeq: number;
  decidedSeq: number;
}

/** GitHub's failure of a job whose ref may not deploy to the environment; undefined when it may. */
export function branchPolicyError(
  environment: string,
  settings: EnvironmentSettings | undefined,
  ref: string,
): string | undefined {
  if (!settings || (!settings.branches && !settings.tags)) return undefined;
  const tag = ref.startsWith('refs/tags/');
  const name = ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\//, '');
  const patterns = tag ? settings.tags : settings.branches;
  if (patterns && matchesFilters(name, patterns)) return undefined;
  return `${tag ? 'Tag' : 'Branch'} "${name}" is not allowed to deploy to ${environment} due to environment protection rules.`;
}

/** Checks a decision against the environment's rules: a reviewer of the list, not the actor when self-review is prevented. */
export function checkDecision(request: ReviewRequest, settings: EnvironmentSettings, decision: ReviewDecision): void {
  if (!request.reviewers.includes(decision.by)) {
    throw new Error(
      `${decision.by} is not a required reviewer of ${request.environment} (${request.reviewers.join(', ')})`,
    );
  }
  if (settings.preventSelfReview && decision.approve && decision.by === request.actor) {
    throw new Error(
      `${decision.by} triggered the run and may not approve it: ${request.environment} prevents self-review`,
    );
  }
}
