import { randomUUID } from 'node:crypto';
import {
  createServer,
  STATUS_CODES,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, apiError } from './api-error.ts';
import type { Fault, FaultPlan } from './faults.ts';
import { findRoute, type Route, type RouteResponse } from './router.ts';
import { RATE_LIMIT } from './routes-meta.ts';
import { checkAccess } from './token-permissions.ts';
import type { FakeState } from './state.ts';
import { GITHUB_ACTIONS_BOT } from './users.ts';
import { ServerTimers } from '../fault-queue.ts';

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** Arrival, in ms since the epoch. */
  at: number;
  /** The status answered; undefined while pending or when the connection was dropped. */
  status?: number;
  /** The fault the request met. */
  fault?: Fault['kind'];
  /** The token it was made with (`Authorization: token X` or `Bearer X`). */
  token?: string;
}

const RATE_DOCS = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `routes` over HTTP on 127.0.0.1, a random port: auth, faults, the request log, GitHub's headers. */
export async function startApiServer(
  state: FakeState,
  routes: Route[],
  faults: FaultPlan,
  log: LoggedRequest[],
): Promise<ApiServer> {
  const timers = new ServerTimers();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: parseBody(raw),
      headers: { ...req.headers },
      at: Date.now(),
    };
    log.push(entry);
    const fault = faults.take(entry.method, entry.path);
    if (fault) entry.fault = fault.kind;
    const late = (fault?.kind === 'status' || fault?.kind === 'drop') && fault.afterHandling === true;
    const send = (response: RouteResponse) => {
      if (late && fault.kind === 'drop') return void req.socket.destroy();
      const sent = late && fault.kind === 'status' ? faultResponse(fault, state) : response;
      entry.status = sent.status;
      respond(res, sent);
    };

    if (!late) {
      if (fault?.kind === 'drop') return void req.socket.destroy();
      if (fault?.kind === 'delay') await timers.sleep(fault.ms);
      else if (fault) return send(faultResponse(fault, state));
    }

    const found = findRoute(routes, entry.method, entry.path);
    const isPublic = found?.route.public ?? false;
    const token = isPublic ? '' : bearer(req.headers.authorization);
    if (token) entry.token = token;
    const headers = () => (token ? rateHeaders(state, token) : {});
    try {
      if (token === undefined) throw apiError(401, 'Requires authentication');
      const user = isPublic ? GITHUB_ACTIONS_BOT : state.tokens.get(token);
      if (!user) throw apiError(401, 'Bad credentials');
      if (token && entry.path !== '/rate_limit') state.tokenUsage.set(token, (state.tokenUsage.get(token) ?? 0) + 1);
      if (!found) throw apiError(404, 'Not Found');
      if (token) checkAccess(state.tokenPermissions.get(token), found.route);
      if (typeof entry.body === 'string') throw apiError(400, 'Problems parsing JSON');
      const { params } = found;
      const response = found.route.handle({
        state,
        method: entry.method,
        path: entry.path,
        params,
        query: url.searchParams,
        body: entry.body,
        token,
        user,
      });
      send({ ...response, headers: { ...headers(), ...response.headers } });
    } catch (error) {
      if (error instanceof ApiError) return send({ status: error.status, body: error.body, headers: headers() });
      // A bug of the fake: loud, with the stack, for the test's author.
      send({ status: 500, body: { message: `GitHub API fake failed: ${(error as Error).stack ?? String(error)}` } });
    }
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) respond(res, { status: 500, body: { message: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => timers.closeServer(server),
  };
}

function parseBody(raw: string): unknown {
  if (!raw.trim()) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The token of `token X` or `Bearer X`; undefined when there is none. */
function bearer(header: string | undefined): string | undefined {
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function rateHeaders(state: FakeState, token: string): Record<string, string> {
  const used = state.tokenUsage.get(token) ?? 0;
  return {
    'x-ratelimit-limit': String(RATE_LIMIT),
    'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - used)),
    'x-ratelimit-used': String(used),
    'x-ratelimit-reset': String(state.rateLimitReset),
    'x-ratelimit-resource': 'core',
  };
}

function faultResponse(fault: Exclude<Fault, { kind: 'drop' | 'delay' }>, state: FakeState): RouteResponse {
  const requestId = randomUUID().toUpperCase();
  switch (fault.kind) {
    case 'status':
      return { status: fault.status, body: { message: fault.message ?? STATUS_CODES[fault.status] ?? 'Server Error' } };
    case 'rate-limit': {
      const reset = Math.floor(state.now().getTime() / 1000) + fault.retryAfterSeconds;
      return {
        status: fault.status ?? 429,
        headers: {
          'retry-after': String(fault.retryAfterSeconds),
          'x-ratelimit-limit': String(RATE_LIMIT),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': String(RATE_LIMIT),
          'x-ratelimit-reset': String(reset),
          'x-ratelimit-resource': 'core',
        },
        body: {
          message: `API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
          documentation_url: RATE_DOCS,
          status: String(fault.status ?? 429),
        },
      };
    }
    case 'secondary-rate-limit':
      return {
        status: fault.status ?? 403,
        headers: fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
        body: {
          message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
          documentation_url: `${RATE_DOCS}#about-secondary-rate-limits`,
          status: String(fault.status ?? 403),
        },
      };
  }
}

function respond(res: ServerResponse, response: RouteResponse): void {
  if (res.destroyed) return;
  const bytes =
    response.body === undefined
      ? undefined
      : response.body instanceof Uint8Array
        ? response.body
        : Buffer.from(JSON.stringify(response.body));
  res.writeHead(response.status, {
    'x-github-request-id': randomUUID().toUpperCase(),
    'x-github-api-version-selected': '2022-11-28',
    ...(bytes && !(response.body instanceof Uint8Array) ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...(bytes ? { 'content-length': String(bytes.byteLength) } : {}),
    ...response.headers,
  });
  res.end(bytes);
}
