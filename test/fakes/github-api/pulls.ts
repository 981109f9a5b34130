import { notFound } from './api-error.ts';
import { createIssue, requireIssue, updateIssue } from './issues.ts';
import { buildRepository, repositoryHtmlUrl } from './repositories.ts';
import type { DiffEntry, Issue, Label, PullRequest, PullRequestReview, PullRequestSimple } from './schemas.ts';
import { fakeSha, type FakeState, type RepoState, type StoredPull } from './state.ts';
import { nodeId, simpleUser, type FakeUser } from './users.ts';

// Pull requests are seeded by tests (the actions never open one); each is an
// issue, for its title, body, state, labels and comments, plus this data.

export interface PullRequestSeed {
  title: string;
  body?: string | null;
  /** Branch the changes are on. */
  head: string;
  headSha?: string;
  /** `owner/name` of a fork the head branch is on; default the repository itself. */
  headRepository?: string;
  /** Branch merged into; default the repository's default branch. */
  base?: string;
  baseSha?: string;
  /** Author's login; default `octocat`. */
  user?: string;
  labels?: string[];
  draft?: boolean;
  state?: 'open' | 'closed';
  /** Closes the pull request as merged. */
  merged?: boolean;
  mergeCommitSha?: string;
  /** SHAs of its commits, besides the head SHA. */
  commits?: string[];
  files?: FileSeed[];
  reviews?: ReviewSeed[];
}

export interface FileSeed {
  filename: string;
  status?: DiffEntry['status'];
  additions?: number;
  deletions?: number;
  patch?: string;
}

export interface ReviewSeed {
  /** Reviewer's login. */
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  body?: string;
  /** The SHA reviewed; default the head SHA. */
  commitId?: string;
}

export function seedPullRequest(state: FakeState, repo: RepoState, seed: PullRequestSeed): StoredPull {
  const author = state.user(seed.user ?? 'octocat');
  const issue = createIssue(state, repo, author, { title: seed.title, body: seed.body, labels: seed.labels }, true);
  const headSha = seed.headSha ?? fakeSha(`${repo.repository.full_name}#${issue.number}:head`);
  const pull: StoredPull = {
    number: issue.number,
    id: state.nextId(),
    head: { ref: seed.head, sha: headSha, repository: headRepository(state, repo, seed.headRepository) },
    base: {
      ref: seed.base ?? repo.repository.default_branch,
      sha: seed.baseSha ?? fakeSha(`${repo.repository.full_name}#${issue.number}:base`),
    },
    draft: seed.draft ?? false,
    mergedAt: null,
    mergeCommitSha: seed.mergeCommitSha ?? null,
    mergedBy: null,
    commits: [...(seed.commits ?? []), headSha],
    files: [],
    reviews: [],
  };
  repo.pulls.set(pull.number, pull);
  for (const file of seed.files ?? []) addFile(state, repo, pull, file);
  for (const review of seed.reviews ?? []) addReview(state, repo, pull, review);
  if (seed.merged) mergePullRequest(state, repo, pull, author);
  else if (seed.state === 'closed') updateIssue(state, repo, issue, author, { state: 'closed' });
  return pull;
}

function headRepository(state: FakeState, repo: RepoState, fullName: string | undefined) {
  if (!fullName || fullName.toLowerCase() === repo.repository.full_name.toLowerCase()) return repo.repository;
  const known = state.repo(fullName);
  if (known) return known.repository;
  const [owner = '', name = ''] = fullName.split('/');
  const fork = buildRepository(
    state.baseUrl,
    simpleUser(state.baseUrl, state.user(owner)),
    name,
    state.nextId(),
    state.timestamp(),
  );
  return { ...fork, fork: true };
}

export function mergePullRequest(state: FakeState, repo: RepoState, pull: StoredPull, by: FakeUser): void {
  const issue = requireIssue(repo, pull.number);
  updateIssue(state, repo, issue, by, { state: 'closed' });
  pull.mergedAt = issue.closed_at;
  pull.mergedBy = by;
  pull.mergeCommitSha ??= fakeSha(`${repo.repository.full_name}#${pull.number}:merge`);
  if (issue.pull_request) issue.pull_request.merged_at = pull.mergedAt;
}

export function addFile(state: FakeState, repo: RepoState, pull: StoredPull, seed: FileSeed): DiffEntry {
  const additions = seed.additions ?? 1;
  const deletions = seed.deletions ?? 0;
  const html = repositoryHtmlUrl(state.baseUrl, repo.repository.full_name);
  const path = seed.filename.split('/').map(encodeURIComponent).join('/');
  const file: DiffEntry = {
    sha: fakeSha(`${pull.head.sha}:${seed.filename}`),
    filename: seed.filename,
    status: seed.status ?? 'modified',
    additions,
    deletions,
    changes: additions + deletions,
    blob_url: `${html}/blob/${pull.head.sha}/${path}`,
    raw_url: `${html}/raw/${pull.head.sha}/${path}`,
    contents_url: `${repo.repository.url}/contents/${path}?ref=${pull.head.sha}`,
    ...(seed.patch === undefined ? {} : { patch: seed.patch }),
  };
  pull.files.push(file);
  return file;
}

export function addReview(state: FakeState, repo: RepoState, pull: StoredPull, seed: ReviewSeed): PullRequestReview {
  const id = state.nextId();
  const issue = requireIssue(repo, pull.number);
  const reviewer = state.user(seed.user);
  const html = `${issue.html_url}#pullrequestreview-${id}`;
  const review: PullRequestReview = {
    id,
    node_id: nodeId('PRR', id),
    user: simpleUser(state.baseUrl, reviewer),
    body: seed.body ?? '',
    state: seed.state,
    html_url: html,
    pull_request_url: `${repo.repository.url}/pulls/${pull.number}`,
    _links: { html: { href: html }, pull_request: { href: `${repo.repository.url}/pulls/${pull.number}` } },
    ...(seed.state === 'PENDING' ? {} : { submitted_at: state.timestamp() }),
    commit_id: seed.commitId ?? pull.head.sha,
    author_association: reviewer.login === repo.repository.owner.login ? 'OWNER' : 'COLLABORATOR',
  };
  pull.reviews.push(review);
  return review;
}

export function requirePull(repo: RepoState, number: number): StoredPull {
  const pull = repo.pulls.get(number);
  if (!pull) throw notFound();
  return pull;
}

/** Pull requests a commit belongs to: by head, by one of its commits, or by merge commit. */
export function pullsForCommit(repo: RepoState, sha: string): StoredPull[] {
  const matches = (candidate: string | null) =>
    !!candidate && (candidate === sha || (sha.length >= 7 && candidate.startsWith(sha)));
  return [...repo.pulls.values()].filter((pull) => pull.commits.some(matches) || matches(pull.mergeCommitSha));
}

/** `pull-request-simple`: the shape of lists. */
export function renderPullSimple(state: FakeState, repo: RepoState, pull: StoredPull): PullRequestSimple {
  const issue = requireIssue(repo, pull.number);
  const url = `${repo.repository.url}/pulls/${pull.number}`;
  const base = repo.repository;
  const headUser = simpleUser(state.baseUrl, state.user(pull.head.repository.owner.login));
  return {
    url,
    id: pull.id,
    node_id: issue.node_id,
    html_url: issue.html_url,
    diff_url: `${issue.html_url}.diff`,
    patch_url: `${issue.html_url}.patch`,
    issue_url: issue.url,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${base.url}/pulls/comments{/number}`,
    comments_url: issue.comments_url,
    statuses_url: `${base.url}/statuses/${pull.head.sha}`,
    number: pull.number,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    user: issue.user,
    body: issue.body ?? null,
    labels: issueLabels(issue).map((label) => ({ ...label, description: label.description ?? '' })),
    milestone: null,
    active_lock_reason: null,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    closed_at: issue.closed_at,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    head: {
      label: `${pull.head.repository.owner.login}:${pull.head.ref}`,
      ref: pull.head.ref,
      repo: pull.head.repository,
      sha: pull.head.sha,
      user: headUser,
    },
    base: {
      label: `${base.owner.login}:${pull.base.ref}`,
      ref: pull.base.ref,
      repo: base,
      sha: pull.base.sha,
      user: base.owner,
    },
    _links: {
      comments: { href: issue.comments_url },
      commits: { href: `${url}/commits` },
      statuses: { href: `${base.url}/statuses/${pull.head.sha}` },
      html: { href: issue.html_url },
      issue: { href: issue.url },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${base.url}/pulls/comments{/number}` },
      self: { href: url },
    },
    author_association: issue.author_association ?? 'NONE',
    auto_merge: null,
    draft: pull.draft,
  };
}

/** `pull-request`: the shape of `GET /pulls/{n}`. */
export function renderPull(state: FakeState, repo: RepoState, pull: StoredPull): PullRequest {
  const simple = renderPullSimple(state, repo, pull);
  const issue = requireIssue(repo, pull.number);
  const author = simple.user ?? simpleUser(state.baseUrl, state.user('ghost'));
  const additions = pull.files.reduce((sum, file) => sum + file.additions, 0);
  const deletions = pull.files.reduce((sum, file) => sum + file.deletions, 0);
  const merged = pull.mergedAt !== null;
  return {
    ...simple,
    state: issue.state === 'closed' ? 'closed' : 'open',
    user: author,
    labels: issueLabels(issue),
    requested_teams: [],
    head: { ...simple.head, user: simple.head.user ?? author },
    base: { ...simple.base, user: simple.base.user ?? author },
    merged,
    mergeable: merged ? null : true,
    rebaseable: merged ? null : true,
    mergeable_state: merged ? 'unknown' : 'clean',
    merged_by: pull.mergedBy ? simpleUser(state.baseUrl, pull.mergedBy) : null,
    comments: issue.comments,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: pull.commits.length,
    additions,
    deletions,
    changed_files: pull.files.length,
  };
}

function issueLabels(issue: Issue): Label[] {
  return issue.labels.filter((label): label is Label => typeof label !== 'string');
}
