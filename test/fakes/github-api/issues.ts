import { notFound, validationFailed } from './api-error.ts';
import { repositoryHtmlUrl } from './repositories.ts';
import type { AuthorAssociation, Issue, IssueComment, Label, ReactionRollup } from './schemas.ts';
import type { FakeState, RepoState } from './state.ts';
import { nodeId, simpleUser, type FakeUser } from './users.ts';

// Issues, their comments and labels, with GitHub's side effects: labels
// created on first use, comment counts, closed_at / closed_by / state_reason.

export interface IssueInput {
  title: string;
  body?: string | null;
  labels?: string[];
  state?: 'open' | 'closed';
  stateReason?: Issue['state_reason'];
}

export interface IssuePatch {
  title?: string;
  body?: string | null;
  labels?: string[];
  state?: 'open' | 'closed';
  stateReason?: Issue['state_reason'];
}

export function authorAssociation(repo: RepoState, user: FakeUser): AuthorAssociation {
  return user.login === repo.repository.owner.login ? 'OWNER' : 'NONE';
}

export function reactions(url: string): ReactionRollup {
  const none = { '+1': 0, '-1': 0, laugh: 0, confused: 0, heart: 0, hooray: 0, eyes: 0, rocket: 0 };
  return { url: `${url}/reactions`, total_count: 0, ...none };
}

export function requireIssue(repo: RepoState, number: number): Issue {
  const issue = repo.issues.get(number);
  if (!issue) throw notFound();
  return issue;
}

export function createIssue(
  state: FakeState,
  repo: RepoState,
  author: FakeUser,
  input: IssueInput,
  isPull = false,
): Issue {
  const number = repo.nextNumber++;
  const id = state.nextId();
  const url = `${repo.repository.url}/issues/${number}`;
  const html = `${repositoryHtmlUrl(state.baseUrl, repo.repository.full_name)}/${isPull ? 'pull' : 'issues'}/${number}`;
  const now = state.timestamp();
  const issue: Issue = {
    id,
    node_id: nodeId(isPull ? 'PR' : 'I', id),
    url,
    repository_url: repo.repository.url,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    timeline_url: `${url}/timeline`,
    number,
    state: 'open',
    state_reason: null,
    title: input.title,
    body: input.body ?? null,
    user: simpleUser(state.baseUrl, author),
    labels: ensureLabels(state, repo, input.labels ?? []),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: 0,
    closed_at: null,
    closed_by: null,
    created_at: now,
    updated_at: now,
    author_association: authorAssociation(repo, author),
    performed_via_github_app: null,
    reactions: reactions(url),
    ...(isPull
      ? {
          pull_request: {
            url: `${repo.repository.url}/pulls/${number}`,
            html_url: html,
            diff_url: `${html}.diff`,
            patch_url: `${html}.patch`,
            merged_at: null,
          },
        }
      : {}),
  };
  repo.issues.set(number, issue);
  if (input.state === 'closed')
    updateIssue(state, repo, issue, author, { state: 'closed', stateReason: input.stateReason });
  return issue;
}

export function updateIssue(
  state: FakeState,
  repo: RepoState,
  issue: Issue,
  actor: FakeUser,
  patch: IssuePatch,
): Issue {
  if (patch.title !== undefined) issue.title = patch.title;
  if (patch.body !== undefined) issue.body = patch.body;
  if (patch.labels !== undefined) issue.labels = ensureLabels(state, repo, patch.labels);
  if (patch.state === 'closed' && issue.state !== 'closed') {
    issue.state = 'closed';
    issue.closed_at = state.timestamp();
    issue.closed_by = simpleUser(state.baseUrl, actor);
    issue.state_reason = patch.stateReason ?? 'completed';
  } else if (patch.state === 'open' && issue.state !== 'open') {
    issue.state = 'open';
    issue.closed_at = null;
    issue.closed_by = null;
    issue.state_reason = 'reopened';
  } else if (patch.stateReason !== undefined) {
    issue.state_reason = patch.stateReason;
  }
  issue.updated_at = state.timestamp();
  return issue;
}

export function labelNames(issue: Issue): string[] {
  return issue.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? '')));
}

/** The labels of those names, created (grey, as GitHub does) when the repository lacks them. */
export function ensureLabels(state: FakeState, repo: RepoState, names: string[]): Label[] {
  const unique = [...new Map(names.map((name) => [name.toLowerCase(), name])).values()];
  return unique.map((name) => repo.labels.get(name.toLowerCase()) ?? createLabel(state, repo, { name }));
}

export function createLabel(
  state: FakeState,
  repo: RepoState,
  input: { name: string; color?: string; description?: string | null },
): Label {
  if (repo.labels.has(input.name.toLowerCase())) throw validationFailed('Label', 'name', 'already_exists', input.name);
  const color = (input.color ?? 'ededed').replace(/^#/, '').toLowerCase();
  if (!/^[0-9a-f]{6}$/.test(color)) throw validationFailed('Label', 'color', 'invalid', input.color);
  const id = state.nextId();
  const label: Label = {
    id,
    node_id: nodeId('LA', id),
    url: `${repo.repository.url}/labels/${encodeURIComponent(input.name)}`,
    name: input.name,
    description: input.description ?? null,
    color,
    default: false,
  };
  repo.labels.set(input.name.toLowerCase(), label);
  return label;
}

export function requireLabel(repo: RepoState, name: string): Label {
  const label = repo.labels.get(name.toLowerCase());
  if (!label) throw notFound();
  return label;
}

export function addLabels(state: FakeState, repo: RepoState, issue: Issue, names: string[]): Label[] {
  const labels = ensureLabels(state, repo, [...labelNames(issue), ...names]);
  issue.labels = labels;
  issue.updated_at = state.timestamp();
  return labels;
}

export function removeLabel(state: FakeState, repo: RepoState, issue: Issue, name: string): Label[] {
  const names = labelNames(issue);
  const remaining = names.filter((label) => label.toLowerCase() !== name.toLowerCase());
  if (remaining.length === names.length) throw notFound('Label does not exist');
  const labels = ensureLabels(state, repo, remaining);
  issue.labels = labels;
  issue.updated_at = state.timestamp();
  return labels;
}

export function createComment(
  state: FakeState,
  repo: RepoState,
  issue: Issue,
  author: FakeUser,
  body: string,
): IssueComment {
  const id = state.nextId();
  const now = state.timestamp();
  const url = `${repo.repository.url}/issues/comments/${id}`;
  const comment: IssueComment = {
    id,
    node_id: nodeId('IC', id),
    url,
    html_url: `${issue.html_url}#issuecomment-${id}`,
    body,
    user: simpleUser(state.baseUrl, author),
    created_at: now,
    updated_at: now,
    issue_url: issue.url,
    author_association: authorAssociation(repo, author),
    performed_via_github_app: null,
    reactions: reactions(url),
  };
  repo.comments.set(id, { data: comment, issueNumber: issue.number });
  issue.comments += 1;
  return comment;
}

export function requireComment(repo: RepoState, id: number): IssueComment {
  const stored = repo.comments.get(id);
  if (!stored) throw notFound();
  return stored.data;
}

export function deleteComment(repo: RepoState, id: number): void {
  const stored = repo.comments.get(id);
  if (!stored) throw notFound();
  repo.comments.delete(id);
  const issue = repo.issues.get(stored.issueNumber);
  if (issue) issue.comments -= 1;
}

/** The comments of one issue, oldest first, as GitHub lists them. */
export function commentsOf(repo: RepoState, issueNumber: number): IssueComment[] {
  return [...repo.comments.values()].filter((c) => c.issueNumber === issueNumber).map((c) => c.data);
}
