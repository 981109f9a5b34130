import { ActionError } from '../action/action-error.ts';
import { createOnce, describeGitHubError, statusOf, type CreateRetry } from './create-once.ts';
import type { GitHubClient } from './octokit.ts';
import { authenticatedLogin, listComments, type PostedComment } from './sticky-comment.ts';

// One GitHub issue per drifting stack, kept in step with each run: opened on
// drift, refreshed (and commented once per run) while the drift lasts,
// reopened when it comes back, closed with a comment when the stack is clean.
// An issue is found by a hidden marker naming its stack and by its author,
// never by its title, which people may edit; anyone could copy a marker into
// an issue of their own, so only the token's own issues and comments count.

export interface DriftIssueStack {
  workingDirectory: string;
  workspace: string;
}

export interface DriftIssueRepo {
  owner: string;
  repo: string;
  /** The label of drift issues: how they are listed. Created when the repository lacks it. */
  label: string;
}

export type IssueAction = 'opened' | 'updated' | 'reopened' | 'closed';

export interface IssueOutcome {
  number: number;
  url: string;
  action: IssueAction;
}

export interface DriftIssueContent {
  title: string;
  /** Markdown, without the marker; at most GitHub's 65,536 characters less a few hundred for the marker. */
  body: string;
  /** This run's comment on an issue that an earlier run opened. */
  comment: (action: 'updated' | 'reopened') => string;
}

export interface DriftIssueTracker {
  /** Opens the stack's issue, or refreshes it (reopening it when closed) and comments once per run. */
  reportDrift(stack: DriftIssueStack, content: DriftIssueContent): Promise<IssueOutcome>;
  /** Closes the stack's open issue with `comment`; undefined when it has none. */
  reportClean(stack: DriftIssueStack, comment: string): Promise<IssueOutcome | undefined>;
}

export interface DriftIssueOptions {
  /** The workflow run: its comments are made once, however often the run is re-run. */
  runId: string;
  /** Attempts and backoff of a create that failed after it may have reached GitHub; shortened in tests. */
  retry?: CreateRetry;
}

interface IssueMarker extends DriftIssueStack {
  /** The run that opened the issue: its body says it all, it needs no comment. */
  openedInRun: string;
}

interface CommentMarker extends DriftIssueStack {
  runId: string;
  event: 'drift' | 'resolved';
}

interface TrackedIssue {
  number: number;
  url: string;
  state: 'open' | 'closed';
  marker: IssueMarker;
}

const ISSUE_MARKER = 'iac-actions:drift-issue';
const COMMENT_MARKER = 'iac-actions:drift-run';
const LABEL_COLOR = 'd93f0b';
const LABEL_DESCRIPTION = 'Infrastructure changed outside Terraform (iac-actions drift-detect)';

/** A marker as the first line of a body: an HTML comment, invisible on GitHub. */
export function renderMarker(kind: string, value: object): string {
  // `<` and `>` escaped so that a directory name cannot end the HTML comment.
  const json = JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `<!-- ${kind} ${json} -->`;
}

export function readMarker(kind: string, body: string): Record<string, unknown> | undefined {
  const line = body.split('\n', 1)[0] ?? '';
  const prefix = `<!-- ${kind} `;
  if (!line.startsWith(prefix) || !line.endsWith(' -->')) return undefined;
  try {
    const value = JSON.parse(line.slice(prefix.length, -' -->'.length)) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The stack a drift issue body is about; undefined when the body is not a drift issue's. */
export function readIssueMarker(body: string): IssueMarker | undefined {
  const value = readMarker(ISSUE_MARKER, body);
  if (typeof value?.workingDirectory !== 'string' || typeof value.workspace !== 'string') return undefined;
  return {
    workingDirectory: value.workingDirectory,
    workspace: value.workspace,
    openedInRun: typeof value.openedInRun === 'string' ? value.openedInRun : '',
  };
}

function readCommentMarker(body: string): CommentMarker | undefined {
  const value = readMarker(COMMENT_MARKER, body);
  if (typeof value?.runId !== 'string' || typeof value.workingDirectory !== 'string') return undefined;
  return value as unknown as CommentMarker;
}

const sameStack = (a: DriftIssueStack, b: DriftIssueStack) =>
  a.workingDirectory === b.workingDirectory && a.workspace === b.workspace;

export function driftIssueTracker(
  octokit: GitHubClient,
  repo: DriftIssueRepo,
  options: DriftIssueOptions,
): DriftIssueTracker {
  const params = { owner: repo.owner, repo: repo.repo };
  const retryOptions = options.retry ?? {};
  let ready: Promise<{ login: string; issues: TrackedIssue[] }> | undefined;
  // After a 403, every later update would meet it too: one message is enough.
  let forbidden: ActionError | undefined;

  async function listIssues(login: string): Promise<TrackedIssue[]> {
    const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      ...params,
      labels: repo.label,
      state: 'all',
      per_page: 100,
    });
    const tracked: TrackedIssue[] = [];
    for (const issue of issues) {
      if (issue.pull_request || issue.user?.login !== login) continue;
      const marker = readIssueMarker(issue.body ?? '');
      if (!marker) continue;
      tracked.push({ number: issue.number, url: issue.html_url, state: issue.state as 'open' | 'closed', marker });
    }
    return tracked.sort((a, b) => a.number - b.number);
  }

  async function ensureLabel(): Promise<void> {
    try {
      await octokit.rest.issues.getLabel({ ...params, name: repo.label });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await octokit.rest.issues
        .createLabel({ ...params, name: repo.label, color: LABEL_COLOR, description: LABEL_DESCRIPTION })
        .catch((e: unknown) => {
          // 422: it exists by now (another job made it, or a retry after a lost answer).
          if (statusOf(e) !== 422) throw e;
        });
    }
  }

  /** The label, the token's login and the drift issues: once per run. */
  function start() {
    ready ??= (async () => {
      const login = await authenticatedLogin(octokit);
      await ensureLabel();
      return { login, issues: await listIssues(login) };
    })();
    return ready;
  }

  /** The stack's issue: its open one (the oldest, should there be several), else the newest closed one. */
  function pick(issues: TrackedIssue[], stack: DriftIssueStack): TrackedIssue | undefined {
    const mine = issues.filter((i) => sameStack(i.marker, stack));
    return mine.find((i) => i.state === 'open') ?? mine.at(-1);
  }

  async function commentOnce(issue: TrackedIssue, marker: CommentMarker, body: string, login: string) {
    const target = { ...params, issueNumber: issue.number };
    const find = async (): Promise<PostedComment | undefined> =>
      (await listComments(octokit, target)).find((c) => {
        const found = c.author === login ? readCommentMarker(c.body) : undefined;
        return found && found.runId === marker.runId && found.event === marker.event && sameStack(found, marker);
      });
    // A re-run of the same run keeps the comment it made: one per run.
    if (await find()) return;
    await createOnce(
      `the comment on issue #${issue.number}`,
      find,
      async () => {
        const { data } = await octokit.rest.issues.createComment({
          ...params,
          issue_number: issue.number,
          body: `${renderMarker(COMMENT_MARKER, marker)}\n${body}`,
          request: { retries: 0 },
        });
        return { id: data.id, nodeId: data.node_id, url: data.html_url, body: data.body ?? '', author: login };
      },
      retryOptions,
    );
  }

  /** Runs one update; its failure becomes one clear error about this stack's issue. */
  async function guarded<T>(stack: DriftIssueStack, update: () => Promise<T>): Promise<T> {
    if (forbidden) throw forbidden;
    try {
      return await update();
    } catch (error) {
      const failure = issueError(error, repo, stack);
      if (statusOf(error) === 403) forbidden = failure;
      throw failure;
    }
  }

  return {
    reportDrift: (stack, content) =>
      guarded(stack, async () => {
        const { login, issues } = await start();
        const existing = pick(issues, stack);
        if (!existing) {
          const marker: IssueMarker = { ...stackOf(stack), openedInRun: options.runId };
          const issue = await createOnce(
            `the issue of ${stack.workingDirectory} (workspace ${stack.workspace})`,
            async () => pick(await listIssues(login), stack),
            async () => {
              const { data } = await octokit.rest.issues.create({
                ...params,
                title: content.title,
                body: `${renderMarker(ISSUE_MARKER, marker)}\n${content.body}`,
                labels: [repo.label],
                request: { retries: 0 },
              });
              return { number: data.number, url: data.html_url, state: 'open' as const, marker };
            },
            retryOptions,
          );
          issues.push(issue);
          return { number: issue.number, url: issue.url, action: 'opened' };
        }
        const reopen = existing.state === 'closed';
        await octokit.rest.issues.update({
          ...params,
          issue_number: existing.number,
          body: `${renderMarker(ISSUE_MARKER, { ...stackOf(stack), openedInRun: existing.marker.openedInRun })}\n${content.body}`,
          ...(reopen ? { state: 'open' as const } : {}),
        });
        existing.state = 'open';
        if (existing.marker.openedInRun !== options.runId) {
          const action = reopen ? 'reopened' : 'updated';
          const marker: CommentMarker = { ...stackOf(stack), runId: options.runId, event: 'drift' };
          await commentOnce(existing, marker, content.comment(action), login);
        }
        return { number: existing.number, url: existing.url, action: reopen ? 'reopened' : 'updated' };
      }),

    reportClean: (stack, comment) =>
      guarded(stack, async () => {
        const { login, issues } = await start();
        const open = issues.filter((i) => sameStack(i.marker, stack) && i.state === 'open');
        for (const issue of open) {
          const marker: CommentMarker = { ...stackOf(stack), runId: options.runId, event: 'resolved' };
          await commentOnce(issue, marker, comment, login);
          await octokit.rest.issues.update({
            ...params,
            issue_number: issue.number,
            state: 'closed',
            state_reason: 'completed',
          });
          issue.state = 'closed';
        }
        const [first] = open;
        return first ? { number: first.number, url: first.url, action: 'closed' as const } : undefined;
      }),
  };
}

function stackOf(stack: DriftIssueStack): DriftIssueStack {
  return { workingDirectory: stack.workingDirectory, workspace: stack.workspace };
}

/** A failed issue update, for people: what to fix when they can. */
export function issueError(error: unknown, repo: DriftIssueRepo, stack: DriftIssueStack): ActionError {
  const where = `${repo.owner}/${repo.repo}`;
  const status = statusOf(error);
  const message =
    status === 403
      ? `The token may not write issues in ${where} (HTTP 403). Give the job \`permissions: issues: write\`, or set \`issue: false\`.`
      : status === 410
        ? `Issues are disabled in ${where} (HTTP 410). Enable them in the repository settings, or set \`issue: false\`.`
        : status === 404
          ? `${where} or its issues are not visible to the token (HTTP 404). Check \`github-token\` and that issues are enabled.`
          : `Could not update the drift issue of ${stack.workingDirectory} (workspace ${stack.workspace}): ${describeGitHubError(error)}`;
  return new ActionError(message, 'issue-update-failed', { cause: error });
}
