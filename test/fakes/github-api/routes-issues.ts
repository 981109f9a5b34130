import { validationFailed } from './api-error.ts';
import {
  addLabels,
  commentsOf,
  createComment,
  createIssue,
  createLabel,
  deleteComment,
  labelNames,
  removeLabel,
  requireComment,
  requireIssue,
  requireLabel,
  updateIssue,
  type IssuePatch,
} from './issues.ts';
import { paginate } from './pagination.ts';
import {
  bodyOf,
  choiceField,
  created,
  intParam,
  labelNamesField,
  noContent,
  ok,
  repoOf,
  route,
  stringField,
  type RequestContext,
  type Route,
  type RouteResponse,
} from './router.ts';
import type { Issue } from './schemas.ts';
import { readOf, writeOf, type PermissionNeed } from './token-permissions.ts';

const REPO = '/repos/{owner}/{repo}';
const STATE_REASONS = ['completed', 'not_planned', 'reopened', 'duplicate'] as const;

function listed(context: RequestContext, all: readonly unknown[]): RouteResponse {
  const page = paginate(context, all);
  return { status: 200, body: page.items, headers: page.headers };
}

function issuePatch(context: RequestContext): IssuePatch {
  const body = bodyOf(context);
  const title = stringField(body, 'Issue', 'title');
  if (title !== undefined && !title.trim()) throw validationFailed('Issue', 'title', 'missing_field');
  const text = body.body === null ? null : stringField(body, 'Issue', 'body');
  const reason = body.state_reason === null ? null : choiceField(body, 'Issue', 'state_reason', STATE_REASONS);
  return {
    ...(title === undefined ? {} : { title }),
    ...(text === undefined ? {} : { body: text }),
    ...(reason === undefined ? {} : { stateReason: reason }),
    state: choiceField(body, 'Issue', 'state', ['open', 'closed'] as const),
    labels: labelNamesField(body.labels, 'Issue'),
  };
}

/** `GET /issues` filters: state (default open), labels (all of them), creator, since; sort and direction. */
function listIssues(context: RequestContext): RouteResponse {
  const { query } = context;
  const state = query.get('state') ?? 'open';
  const labels = (query.get('labels') ?? '')
    .split(',')
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean);
  const creator = query.get('creator');
  const since = query.get('since');
  const sort = (query.get('sort') ?? 'created') as 'created' | 'updated' | 'comments';
  const direction = query.get('direction') === 'asc' ? 1 : -1;
  const key = (issue: Issue) =>
    sort === 'comments' ? issue.comments : sort === 'updated' ? issue.updated_at : issue.created_at;
  const issues = [...repoOf(context).issues.values()]
    .filter((issue) => state === 'all' || issue.state === state)
    .filter((issue) => labels.every((name) => labelNames(issue).some((l) => l.toLowerCase() === name)))
    .filter((issue) => !creator || issue.user?.login === creator)
    .filter((issue) => !since || issue.updated_at >= since)
    .sort((a, b) => direction * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number));
  return listed(context, issues);
}

export const issueRoutes: Route[] = withPermissions([
  route('GET', `${REPO}/issues`, listIssues),
  route('POST', `${REPO}/issues`, (context) => {
    const body = bodyOf(context);
    const title = stringField(body, 'Issue', 'title', true);
    const text = stringField(body, 'Issue', 'body');
    const labels = labelNamesField(body.labels, 'Issue');
    const input = { title, ...(text === undefined ? {} : { body: text }), ...(labels ? { labels } : {}) };
    return created(createIssue(context.state, repoOf(context), context.user, input));
  }),
  route('GET', `${REPO}/issues/{issue_number}`, (context) =>
    ok(requireIssue(repoOf(context), intParam(context, 'issue_number'))),
  ),
  route('PATCH', `${REPO}/issues/{issue_number}`, (context) => {
    const repo = repoOf(context);
    const issue = requireIssue(repo, intParam(context, 'issue_number'));
    return ok(updateIssue(context.state, repo, issue, context.user, issuePatch(context)));
  }),

  // Comments.
  route('GET', `${REPO}/issues/{issue_number}/comments`, (context) => {
    const repo = repoOf(context);
    const issue = requireIssue(repo, intParam(context, 'issue_number'));
    const since = context.query.get('since');
    return listed(
      context,
      commentsOf(repo, issue.number).filter((c) => !since || c.updated_at >= since),
    );
  }),
  route('POST', `${REPO}/issues/{issue_number}/comments`, (context) => {
    const repo = repoOf(context);
    const issue = requireIssue(repo, intParam(context, 'issue_number'));
    const body = stringField(bodyOf(context), 'IssueComment', 'body', true);
    return created(createComment(context.state, repo, issue, context.user, body));
  }),
  route('GET', `${REPO}/issues/comments/{comment_id}`, (context) =>
    ok(requireComment(repoOf(context), intParam(context, 'comment_id'))),
  ),
  route('PATCH', `${REPO}/issues/comments/{comment_id}`, (context) => {
    const comment = requireComment(repoOf(context), intParam(context, 'comment_id'));
    comment.body = stringField(bodyOf(context), 'IssueComment', 'body', true);
    comment.updated_at = context.state.timestamp();
    return ok(comment);
  }),
  route('DELETE', `${REPO}/issues/comments/{comment_id}`, (context) => {
    deleteComment(repoOf(context), intParam(context, 'comment_id'));
    return noContent();
  }),

  // Labels of the repository and of an issue.
  route('GET', `${REPO}/labels`, (context) => listed(context, [...repoOf(context).labels.values()])),
  route('POST', `${REPO}/labels`, (context) => {
    const body = bodyOf(context);
    const name = stringField(body, 'Label', 'name', true);
    const color = stringField(body, 'Label', 'color');
    const description = stringField(body, 'Label', 'description');
    const input = {
      name,
      ...(color === undefined ? {} : { color }),
      ...(description === undefined ? {} : { description }),
    };
    return created(createLabel(context.state, repoOf(context), input));
  }),
  route('GET', `${REPO}/labels/{name}`, (context) => ok(requireLabel(repoOf(context), context.params.name!))),
  route('GET', `${REPO}/issues/{issue_number}/labels`, (context) => {
    return listed(context, requireIssue(repoOf(context), intParam(context, 'issue_number')).labels);
  }),
  route('POST', `${REPO}/issues/{issue_number}/labels`, (context) => {
    const repo = repoOf(context);
    const issue = requireIssue(repo, intParam(context, 'issue_number'));
    return ok(addLabels(context.state, repo, issue, requestedLabels(context)));
  }),
  route('PUT', `${REPO}/issues/{issue_number}/labels`, (context) => {
    const repo = repoOf(context);
    const issue = requireIssue(repo, intParam(context, 'issue_number'));
    return ok(updateIssue(context.state, repo, issue, context.user, { labels: requestedLabels(context) }).labels);
  }),
  route('DELETE', `${REPO}/issues/{issue_number}/labels/{name}`, (context) => {
    const repo = repoOf(context);
    const issue = requireIssue(repo, intParam(context, 'issue_number'));
    return ok(removeLabel(context.state, repo, issue, context.params.name!));
  }),
]);

// Issues, their comments and labels: the `issues` scope, or `pull-requests`
// for a pull request's (the API does not tell them apart by path); opening
// an issue needs `issues: write`.
function withPermissions(routes: Route[]): Route[] {
  return routes.map((r) => ({ ...r, needs: needsOf(r) }));
}

function needsOf(r: Route): PermissionNeed[] {
  if (r.method === 'GET') return readOf('issues', 'pull-requests');
  if (r.method === 'POST' && r.path === `${REPO}/issues`) return writeOf('issues');
  return writeOf('issues', 'pull-requests');
}

// The body is `{ "labels": [...] }`, or, as GitHub also accepts, the bare array.
function requestedLabels(context: RequestContext): string[] {
  const value = Array.isArray(context.body) ? context.body : bodyOf(context).labels;
  const names = labelNamesField(value, 'Label');
  if (!names) throw validationFailed('Label', 'labels', 'missing_field');
  return names;
}
