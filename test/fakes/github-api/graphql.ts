import { bodyOf, ok, route, type RequestContext, type Route, type RouteResponse } from './router.ts';
import type { FakeState, StoredComment } from './state.ts';
import { writeOf } from './token-permissions.ts';

// GraphQL, as far as the suite uses it: the `minimizeComment` mutation that
// hides an outdated comment. Anything else gets a GraphQL error, as GitHub
// answers a query it cannot run: status 200, `errors`.

const CLASSIFIERS = ['SPAM', 'ABUSE', 'OFF_TOPIC', 'OUTDATED', 'DUPLICATE', 'RESOLVED'];

function graphqlErrors(...errors: { message: string; type?: string; path?: string[] }[]): RouteResponse {
  return ok({ data: null, errors });
}

function findComment(state: FakeState, nodeId: string): StoredComment | undefined {
  for (const repo of state.allRepos()) {
    for (const comment of repo.comments.values()) if (comment.data.node_id === nodeId) return comment;
  }
  return undefined;
}

/** `minimizeComment(input: $input)` or `minimizeComment(input: {subjectId: ..., classifier: ...})`, literals or variables. */
function minimizeInput(query: string, variables: Record<string, unknown>): Record<string, unknown> | undefined {
  const match = /minimizeComment\s*\(\s*input\s*:\s*(\$\w+|\{[^}]*\})\s*\)/.exec(query);
  if (!match) return undefined;
  const resolve = (token: string): unknown =>
    token.startsWith('$') ? variables[token.slice(1)] : token.startsWith('"') ? JSON.parse(token) : token;
  const input = match[1]!;
  if (input.startsWith('$')) return (resolve(input) ?? {}) as Record<string, unknown>;
  const fields = input.matchAll(/(\w+)\s*:\s*("(?:[^"\\]|\\.)*"|\$?\w+)/g);
  return Object.fromEntries([...fields].map((field) => [field[1]!, resolve(field[2]!)]));
}

function minimizeComment(context: RequestContext, input: Record<string, unknown>): RouteResponse {
  const { subjectId, classifier } = input;
  if (typeof classifier !== 'string' || !CLASSIFIERS.includes(classifier)) {
    return graphqlErrors({
      message: `Argument 'classifier' on InputObject 'MinimizeCommentInput' has an invalid value (${String(classifier)}).`,
    });
  }
  const comment = typeof subjectId === 'string' ? findComment(context.state, subjectId) : undefined;
  if (!comment) {
    return graphqlErrors({
      type: 'NOT_FOUND',
      path: ['minimizeComment'],
      message: `Could not resolve to a node with the global id of '${String(subjectId)}'.`,
    });
  }
  // GraphQL's `minimizedReason` spelling: `outdated`, `off-topic`.
  const reason = classifier.toLowerCase().replace('_', '-');
  comment.data.minimized = { reason };
  const minimizedComment = { isMinimized: true, minimizedReason: reason, viewerCanMinimize: true };
  return ok({ data: { minimizeComment: { clientMutationId: input.clientMutationId ?? null, minimizedComment } } });
}

export const graphqlRoutes: Route[] = [
  route(
    'POST',
    '/graphql',
    (context) => {
      const body = bodyOf(context);
      const query = typeof body.query === 'string' ? body.query : '';
      const variables = (body.variables ?? {}) as Record<string, unknown>;
      const input = minimizeInput(query, variables);
      if (input) return minimizeComment(context, input);
      return graphqlErrors({
        message: `The GitHub API fake does not implement this query: ${query.trim().slice(0, 200)}`,
      });
      // Minimizing a comment on an issue or pull request: write on either.
    },
    { needs: writeOf('issues', 'pull-requests') },
  ),
];
