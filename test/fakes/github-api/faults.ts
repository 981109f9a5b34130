// Faults a test programs per route and count, served before the request is
// handled, so that the real client meets them. A server error or a dropped
// connection can instead come after the request was handled (`afterHandling`):
// the change is made and the answer lost, as when GitHub times out late.

export type Fault =
  /** A server error: 500, 502, 503, ... */
  | { kind: 'status'; status: number; message?: string; afterHandling?: boolean }
  /** The primary rate limit: `x-ratelimit-remaining: 0`, reset and `retry-after` that many seconds ahead. */
  | { kind: 'rate-limit'; status?: 403 | 429; retryAfterSeconds: number }
  /** The secondary rate limit: GitHub's message, `retry-after` when given. */
  | { kind: 'secondary-rate-limit'; status?: 403 | 429; retryAfterSeconds?: number }
  /** A slow response: waits, then answers normally. */
  | { kind: 'delay'; ms: number }
  /** A dropped connection: the socket is destroyed without a response. */
  | { kind: 'drop'; afterHandling?: boolean };

export interface InjectedFault {
  readonly route: string;
  readonly fault: Fault;
  /** Matching requests still to meet the fault. */
  readonly remaining: number;
  cancel(): void;
}

/**
 * A matcher of `METHOD /path` strings: METHOD may be `*`; in the path, `*` or
 * `{name}` or `:name` stands for one segment and `**` for any rest, e.g.
 * `POST /repos/octo/infra/issues/{n}/comments`, `* /graphql`, `GET /repos/**`.
 */
export function routeMatcher(route: string): (method: string, path: string) => boolean {
  const match = /^(\*|[A-Z]+)\s+(\/\S*)$/.exec(route.trim());
  if (!match) throw new Error(`A route is 'METHOD /path', e.g. 'GET /repos/*/*/issues', not '${route}'.`);
  const method = match[1]!;
  const source = match[2]!
    .split('/')
    .map((segment) => {
      if (segment === '**') return '.*';
      if (segment === '*' || /^(\{\w+\}|:\w+)$/.test(segment)) return '[^/]+';
      return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
    })
    .join('/');
  const pattern = new RegExp(`^${source}/?$`);
  return (m, path) => (method === '*' || method === m) && pattern.test(path);
}

interface Rule {
  route: string;
  fault: Fault;
  matches: (method: string, path: string) => boolean;
  remaining: number;
}

export class FaultPlan {
  private rules: Rule[] = [];

  inject(route: string, fault: Fault, times = 1): InjectedFault {
    const rule: Rule = { route, fault, matches: routeMatcher(route), remaining: times };
    this.rules.push(rule);
    return {
      route,
      fault,
      get remaining() {
        return rule.remaining;
      },
      cancel: () => {
        rule.remaining = 0;
      },
    };
  }

  /** The fault this request meets, in the order faults were injected; each one met counts down. */
  take(method: string, path: string): Fault | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && r.matches(method, path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule.fault;
  }

  clear(): void {
    this.rules = [];
  }
}
