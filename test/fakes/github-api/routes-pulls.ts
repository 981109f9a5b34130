import { paginate } from './pagination.ts';
import { pullsForCommit, renderPull, renderPullSimple, requirePull } from './pulls.ts';
import { intParam, ok, repoOf, route, type RequestContext, type Route, type RouteResponse } from './router.ts';
import { readOf } from './token-permissions.ts';

const REPO = '/repos/{owner}/{repo}';
const PULLS = { needs: readOf('pull-requests') };

function listed(context: RequestContext, all: readonly unknown[]): RouteResponse {
  const page = paginate(context, all);
  return { status: 200, body: page.items, headers: page.headers };
}

/** `GET /pulls` filters: state (default open), head as `owner:branch`, base; newest first unless `direction=asc`. */
function listPulls(context: RequestContext): RouteResponse {
  const repo = repoOf(context);
  const state = context.query.get('state') ?? 'open';
  const head = context.query.get('head');
  const base = context.query.get('base');
  const direction = context.query.get('direction') === 'asc' ? 1 : -1;
  const pulls = [...repo.pulls.values()]
    .map((pull) => renderPullSimple(context.state, repo, pull))
    .filter((pull) => state === 'all' || pull.state === state)
    .filter((pull) => !head || pull.head.label === head)
    .filter((pull) => !base || pull.base.ref === base)
    .sort((a, b) => direction * (a.number - b.number));
  return listed(context, pulls);
}

export const pullRoutes: Route[] = [
  route('GET', `${REPO}/pulls`, listPulls, { needs: readOf('pull-requests') }),
  route(
    'GET',
    `${REPO}/pulls/{pull_number}`,
    (context) => {
      const repo = repoOf(context);
      return ok(renderPull(context.state, repo, requirePull(repo, intParam(context, 'pull_number'))));
    },
    PULLS,
  ),
  route(
    'GET',
    `${REPO}/pulls/{pull_number}/reviews`,
    (context) => {
      return listed(context, requirePull(repoOf(context), intParam(context, 'pull_number')).reviews);
    },
    PULLS,
  ),
  route(
    'GET',
    `${REPO}/pulls/{pull_number}/files`,
    (context) => {
      return listed(context, requirePull(repoOf(context), intParam(context, 'pull_number')).files);
    },
    PULLS,
  ),
  route(
    'GET',
    `${REPO}/commits/{commit_sha}/pulls`,
    (context) => {
      const repo = repoOf(context);
      const pulls = pullsForCommit(repo, context.params.commit_sha!).map((pull) =>
        renderPullSimple(context.state, repo, pull),
      );
      return listed(context, pulls);
      // A commits route: `contents: read`.
    },
    { needs: readOf('contents') },
  ),
];
