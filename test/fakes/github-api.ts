import { FaultPlan, routeMatcher, type Fault, type InjectedFault } from './github-api/faults.ts';
import { graphqlRoutes } from './github-api/graphql.ts';
import {
  commentsOf,
  createComment,
  createIssue,
  createLabel,
  requireIssue,
  type IssueInput,
} from './github-api/issues.ts';
import { addReview, mergePullRequest, renderPull, requirePull, seedPullRequest } from './github-api/pulls.ts';
import type { PullRequestSeed, ReviewSeed } from './github-api/pulls.ts';
import type { RepositorySettings } from './github-api/repositories.ts';
import { actionsRoutes } from './github-api/routes-actions.ts';
import { issueRoutes } from './github-api/routes-issues.ts';
import { metaRoutes } from './github-api/routes-meta.ts';
import { pullRoutes } from './github-api/routes-pulls.ts';
import { repositoryRoutes } from './github-api/routes-repositories.ts';
import type {
  Artifact,
  Issue,
  IssueComment,
  Label,
  PullRequest,
  PullRequestReview,
  Repository,
  WorkflowRun,
} from './github-api/schemas.ts';
import { startApiServer, type LoggedRequest } from './github-api/server.ts';
import { FakeState } from './github-api/state.ts';
import type { TokenPermissions } from './github-api/token-permissions.ts';
import { GITHUB_ACTIONS_BOT, type FakeUser } from './github-api/users.ts';
import { seedArtifact, seedWorkflowRun, type ArtifactSeed, type WorkflowRunSeed } from './github-api/workflow-runs.ts';

// A fake of GitHub's REST API (and the GraphQL mutation the suite uses), over
// real HTTP on loopback, so that the real Octokit, with its retry and
// throttling plugins, talks to it: in process, or from an action's bundle
// run with `GITHUB_API_URL` set to `url`. Shapes come from GitHub's OpenAPI
// description (@octokit/openapi-types).

export type {
  Fault,
  InjectedFault,
  LoggedRequest,
  FakeUser,
  PullRequestSeed,
  ReviewSeed,
  WorkflowRunSeed,
  ArtifactSeed,
  TokenPermissions,
};
export { GITHUB_ACTIONS_BOT };

/** The token the fake accepts when no `tokens` are given; its user is github-actions[bot]. */
export const FAKE_GITHUB_TOKEN = 'ghs_fakeGitHubApiToken00000000000000000000';

export interface GitHubApiFakeOptions {
  /** Repositories that exist, as `owner/name`; any other answers 404. */
  repositories?: string[];
  /** Tokens accepted and the user (or login) of each; default `FAKE_GITHUB_TOKEN` for github-actions[bot]. */
  tokens?: Record<string, FakeUser | string>;
  /** The clock of `created_at` and co.; default the real one. */
  now?: () => Date;
}

export interface GitHubApiFake {
  /** The API root, for `GITHUB_API_URL`; GraphQL is at `${url}/graphql`. */
  readonly url: string;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;

  addRepository(fullName: string, settings?: RepositorySettings): Repository;
  /**
   * Accepts `token` for `user`. With `permissions` it is an installation
   * token (a job's GITHUB_TOKEN, an app's token): each route needs its scope
   * (`{ issues: 'write', metadata: 'read' }`), else 403 "Resource not
   * accessible by integration", and `GET /user` is refused. Without, it may
   * do everything.
   */
  addToken(token: string, user: FakeUser | string, options?: { permissions?: TokenPermissions }): FakeUser;
  /** The token stops working (401 Bad credentials), as a GITHUB_TOKEN when its job ends. */
  revokeToken(token: string): void;
  /** The permissions a token was given; undefined for an unrestricted one. */
  tokenPermissions(token: string): TokenPermissions | undefined;

  // Seeds. `user` is a login, registered on first mention; default octocat.
  seedIssue(repo: string, input: IssueInput & { user?: string }): Issue;
  seedComment(repo: string, issueNumber: number, body: string, options?: { user?: string }): IssueComment;
  seedLabel(repo: string, input: { name: string; color?: string; description?: string }): Label;
  seedPullRequest(repo: string, seed: PullRequestSeed): PullRequest;
  seedReview(repo: string, pullNumber: number, seed: ReviewSeed): PullRequestReview;
  /** A push to the pull request's branch (`synchronize`): its head is now `headSha`. */
  pushToPullRequest(repo: string, pullNumber: number, headSha: string): PullRequest;
  /** Merges it; `mergeCommitSha` names the merge commit (a real one of a test repository), else a made-up SHA. */
  mergePullRequest(repo: string, pullNumber: number, options?: { user?: string; mergeCommitSha?: string }): PullRequest;
  seedWorkflowRun(repo: string, seed?: WorkflowRunSeed): WorkflowRun;
  seedArtifact(repo: string, seed: ArtifactSeed): Artifact;

  // State: the stored objects, live (a run's `status` may be changed in place);
  // pull requests are rendered from their issue and data at each call.
  issue(repo: string, number: number): Issue | undefined;
  issues(repo: string): Issue[];
  comments(repo: string, issueNumber: number): IssueComment[];
  comment(repo: string, id: number): IssueComment | undefined;
  labels(repo: string): Label[];
  pullRequest(repo: string, number: number): PullRequest | undefined;
  workflowRun(repo: string, id: number): WorkflowRun | undefined;
  artifacts(repo: string): Artifact[];

  /** Every request received, in order of arrival. */
  readonly requests: readonly LoggedRequest[];
  /** The requests made with `token`. */
  requestsWith(token: string): LoggedRequest[];
  /** The requests matching a `METHOD /path` route (see `injectFault`). */
  requestsTo(route: string): LoggedRequest[];
  clearRequests(): void;

  /**
   * Makes the next `times` requests matching `route` meet `fault`.
   * `route` is `METHOD /path`; METHOD may be `*`; in the path `*`, `{name}` or
   * `:name` is one segment and `**` any rest: `POST /repos/o/r/issues/{n}/comments`.
   * Faults are met in the order injected. `times: Infinity` makes one persistent.
   */
  injectFault(route: string, fault: Fault, times?: number): InjectedFault;
  clearFaults(): void;
}

export async function startGitHubApiFake(options: GitHubApiFakeOptions = {}): Promise<GitHubApiFake> {
  const state = new FakeState(options.now ?? (() => new Date()));
  const faults = new FaultPlan();
  const log: LoggedRequest[] = [];
  const routes = [
    ...issueRoutes,
    ...pullRoutes,
    ...actionsRoutes,
    ...repositoryRoutes,
    ...metaRoutes,
    ...graphqlRoutes,
  ];
  const server = await startApiServer(state, routes, faults, log);
  state.baseUrl = server.url;

  for (const [token, user] of Object.entries(options.tokens ?? { [FAKE_GITHUB_TOKEN]: GITHUB_ACTIONS_BOT })) {
    state.addToken(token, user);
  }
  for (const fullName of options.repositories ?? []) state.addRepository(fullName);
  const repo = (fullName: string) => state.requireRepo(fullName);
  const author = (login: string | undefined) => state.user(login ?? 'octocat');

  return {
    url: server.url,
    close: () => server.close(),
    addRepository: (fullName, settings) => state.addRepository(fullName, settings).repository,
    addToken: (token, user, { permissions } = {}) => state.addToken(token, user, permissions),
    revokeToken: (token) => state.revokeToken(token),
    tokenPermissions: (token) => state.tokenPermissions.get(token),

    seedIssue: (name, { user, ...input }) => createIssue(state, repo(name), author(user), input),
    seedComment: (name, number, body, { user } = {}) => {
      const target = repo(name);
      return createComment(state, target, requireIssue(target, number), author(user), body);
    },
    seedLabel: (name, input) => createLabel(state, repo(name), input),
    seedPullRequest: (name, seed) => {
      const target = repo(name);
      return renderPull(state, target, seedPullRequest(state, target, seed));
    },
    seedReview: (name, number, seed) => {
      const target = repo(name);
      return addReview(state, target, requirePull(target, number), seed);
    },
    pushToPullRequest: (name, number, headSha) => {
      const target = repo(name);
      const pull = requirePull(target, number);
      pull.head.sha = headSha;
      pull.commits.push(headSha);
      return renderPull(state, target, pull);
    },
    mergePullRequest: (name, number, { user, mergeCommitSha } = {}) => {
      const target = repo(name);
      const pull = requirePull(target, number);
      if (mergeCommitSha) pull.mergeCommitSha = mergeCommitSha;
      mergePullRequest(state, target, pull, author(user));
      return renderPull(state, target, pull);
    },
    seedWorkflowRun: (name, seed = {}) => seedWorkflowRun(state, repo(name), seed),
    seedArtifact: (name, seed) => seedArtifact(state, repo(name), seed).data,

    issue: (name, number) => repo(name).issues.get(number),
    issues: (name) => [...repo(name).issues.values()],
    comments: (name, number) => commentsOf(repo(name), number),
    comment: (name, id) => repo(name).comments.get(id)?.data,
    labels: (name) => [...repo(name).labels.values()],
    pullRequest: (name, number) => {
      const target = repo(name);
      const pull = target.pulls.get(number);
      return pull && renderPull(state, target, pull);
    },
    workflowRun: (name, id) => repo(name).runs.get(id),
    artifacts: (name) => [...repo(name).artifacts.values()].map((artifact) => artifact.data),

    requests: log,
    requestsWith: (token) => log.filter((entry) => entry.token === token),
    requestsTo: (route) => {
      const matches = routeMatcher(route);
      return log.filter((entry) => matches(entry.method, entry.path));
    },
    clearRequests: () => {
      log.length = 0;
    },
    injectFault: (route, fault, times = 1) => faults.inject(route, fault, times),
    clearFaults: () => faults.clear(),
  };
}
