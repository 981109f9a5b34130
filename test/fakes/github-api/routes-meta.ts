import { ok, route, type Route } from './router.ts';
import type { RateLimitOverview } from './schemas.ts';
import { publicUser } from './users.ts';

export const RATE_LIMIT = 5000;

export const metaRoutes: Route[] = [
  // An installation token (a GITHUB_TOKEN) may not read /user: 403, as on GitHub.
  route('GET', '/user', (context) => ok(publicUser(context.state.baseUrl, context.user, '2018-07-30T09:30:16Z')), {
    installations: 'forbidden',
  }),
  route('GET', '/rate_limit', (context) => {
    const used = context.state.tokenUsage.get(context.token) ?? 0;
    const core = {
      limit: RATE_LIMIT,
      remaining: Math.max(0, RATE_LIMIT - used),
      reset: context.state.rateLimitReset,
      used,
    };
    const other = { limit: RATE_LIMIT, remaining: RATE_LIMIT, reset: context.state.rateLimitReset, used: 0 };
    const overview: RateLimitOverview = { resources: { core, search: other, graphql: other }, rate: core };
    return ok(overview);
  }),
];
