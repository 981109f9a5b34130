import { createOnce, type CreateRetry } from './create-once.ts';
import type { GitHubClient } from './octokit.ts';

// One comment per "thing" (a Terraform stack, say) on a pull request, found by
// a hidden marker that the caller recognises and by its author, so that a
// user's comment quoting a marker is never edited.

export interface IssueTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface PostedComment {
  id: number;
  nodeId: string;
  url: string;
  body: string;
  author: string;
  /** When GitHub made the comment (ISO 8601, whole seconds); edits leave it as it is. */
  createdAt: string;
}

export interface StickyCommentRequest<M> {
  body: string;
  /** Reads the caller's marker from a comment body; undefined when the comment is not one of ours. */
  readMarker: (body: string) => M | undefined;
  /** The comment to update in place, among ours; none → a new comment is posted. */
  isCurrent: (marker: M) => boolean;
  /** Ours but superseded (e.g. made for an older commit, not yet marked): minimized as outdated. */
  isSuperseded: (marker: M) => boolean;
  /** Rewrites a superseded comment's body to say it is outdated (and mark it so, to do it once). */
  outdatedBody: (comment: PostedComment) => string;
}

export interface StickyCommentResult {
  comment: PostedComment;
  created: boolean;
  outdated: number[];
}

/**
 * Posts or updates the comment, then marks the superseded ones as outdated.
 * A post whose answer was lost (a 5xx, a dropped connection) may have made the
 * comment: it is looked up by its marker before it is sent again, so there is
 * never a second one.
 */
export async function publishStickyComment<M>(
  octokit: GitHubClient,
  target: IssueTarget,
  request: StickyCommentRequest<M>,
  options: { retry?: CreateRetry } = {},
): Promise<StickyCommentResult> {
  const ours = await markedComments(octokit, target, request.readMarker);

  const current = ours.findLast((c) => request.isCurrent(c.marker));
  const params = { owner: target.owner, repo: target.repo };
  let created = false;
  let comment: PostedComment;
  if (current) {
    // An update is the same whichever attempt lands: Octokit's retries may resend it.
    const { data } = await octokit.rest.issues.updateComment({
      ...params,
      comment_id: current.comment.id,
      body: request.body,
    });
    comment = toPosted(data);
  } else {
    const known = new Set(ours.map((c) => c.comment.id));
    const find = async () =>
      (await markedComments(octokit, target, request.readMarker)).findLast(
        (c) => !known.has(c.comment.id) && request.isCurrent(c.marker),
      )?.comment;
    comment = await createOnce(
      `the comment on #${target.issueNumber}`,
      find,
      async () => {
        const { data } = await octokit.rest.issues.createComment({
          ...params,
          issue_number: target.issueNumber,
          body: request.body,
          request: { retries: 0 },
        });
        created = true;
        return toPosted(data);
      },
      options.retry,
    );
    if (!created && comment.body !== request.body) {
      // A lost post did land (or a concurrent run's): it is the comment, brought up to date.
      const { data } = await octokit.rest.issues.updateComment({
        ...params,
        comment_id: comment.id,
        body: request.body,
      });
      comment = toPosted(data);
    }
    created = true;
  }

  const superseded = ours.filter((c) => c.comment.id !== comment.id && request.isSuperseded(c.marker));
  for (const { comment: old } of superseded) {
    await octokit.rest.issues.updateComment({ ...params, comment_id: old.id, body: request.outdatedBody(old) });
    await minimizeComment(octokit, old.nodeId, 'OUTDATED');
  }
  return { comment, created, outdated: superseded.map((c) => c.comment.id) };
}

/**
 * The comments this token posted that carry a marker, oldest first. Others'
 * comments are ignored: anyone can write a marker into a comment.
 */
export async function markedComments<M>(
  octokit: GitHubClient,
  target: IssueTarget,
  readMarker: (body: string) => M | undefined,
): Promise<{ comment: PostedComment; marker: M }[]> {
  const author = await authenticatedLogin(octokit);
  return (await listComments(octokit, target))
    .filter((c) => c.author === author)
    .map((comment) => ({ comment, marker: readMarker(comment.body) }))
    .filter((c): c is { comment: PostedComment; marker: M } => c.marker !== undefined);
}

export async function listComments(octokit: GitHubClient, target: IssueTarget): Promise<PostedComment[]> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  return comments.map(toPosted);
}

export async function minimizeComment(octokit: GitHubClient, nodeId: string, classifier: 'OUTDATED' | 'RESOLVED') {
  await octokit.graphql(
    `mutation($id: ID!, $classifier: ReportedContentClassifiers!) {
      minimizeComment(input: { subjectId: $id, classifier: $classifier }) { minimizedComment { isMinimized } }
    }`,
    { id: nodeId, classifier },
  );
}

// GITHUB_TOKEN may not read /user (GitHub answers 403 to an installation
// token); its comments are github-actions[bot]'s.
const ACTIONS_BOT = 'github-actions[bot]';
const logins = new WeakMap<GitHubClient, Promise<string>>();

/** The login comments made with this client's token appear under. */
export function authenticatedLogin(octokit: GitHubClient): Promise<string> {
  let login = logins.get(octokit);
  if (!login) {
    login = octokit.rest.users.getAuthenticated().then(
      ({ data }) => data.login,
      (error: { status?: number }) => {
        if (error.status === 403) return ACTIONS_BOT;
        throw error;
      },
    );
    logins.set(octokit, login);
  }
  return login;
}

function toPosted(c: {
  id: number;
  node_id: string;
  html_url: string;
  body?: string;
  user: { login: string } | null;
  created_at: string;
}): PostedComment {
  return {
    id: c.id,
    nodeId: c.node_id,
    url: c.html_url,
    body: c.body ?? '',
    author: c.user?.login ?? '',
    createdAt: c.created_at,
  };
}
