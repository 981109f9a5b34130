import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for GitHub's OIDC token service: a job granted `id-token: write`
// gets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, and
// `core.getIDToken(audience)` (GET <url>&audience=...) answers `{ value: <JWT> }`
// with the claims GitHub puts in it (sub, repository, ref, environment,
// job_workflow_ref, ...). The JWT is signed with a key of this process only:
// the stand-ins that take it (configure-aws-credentials) read its claims.

export interface IdTokenClaims {
  sub: string;
  repository: string;
  repository_owner: string;
  ref: string;
  ref_type: string;
  sha: string;
  environment?: string;
  workflow_ref: string;
  job_workflow_ref: string;
  event_name: string;
  run_id: string;
  run_attempt: string;
  actor: string;
  [claim: string]: string | number | undefined;
}

export interface OidcService {
  /** The job's ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  register(claims: IdTokenClaims): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  revoke(requestToken: string): void;
  /** The claims of a JWT this service issued. */
  claimsOf(jwt: string): (IdTokenClaims & { aud: string; iss: string }) | undefined;
  close(): Promise<void>;
}

const ISSUER = 'https://token.actions.githubusercontent.com';

export async function startOidcService(): Promise<OidcService> {
  const key = randomBytes(32);
  const jobs = new Map<string, IdTokenClaims>();
  const sign = (data: string) => createHmac('sha256', key).update(data).digest('base64url');
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://oidc');
    const requestToken = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const claims = jobs.get(requestToken);
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname !== '/token') return send(404, { message: 'Not Found' });
    if (!claims) return send(401, { message: 'Unauthorized' });
    const now = Math.floor(Date.now() / 1000);
    const audience = url.searchParams.get('audience') ?? `https://github.com/${claims.repository_owner}`;
    const header = encode({ typ: 'JWT', alg: 'HS256', kid: 'workflow-runner' });
    const payload = encode({
      jti: randomUUID(),
      ...claims,
      aud: audience,
      iss: ISSUER,
      nbf: now - 5,
      iat: now,
      exp: now + 300,
    });
    send(200, { count: 1, value: `${header}.${payload}.${sign(`${header}.${payload}`)}` });
  };

  const server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    register(claims) {
      const requestToken = randomBytes(24).toString('base64url');
      jobs.set(requestToken, claims);
      return {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
      };
    },
    revoke: (requestToken) => void jobs.delete(requestToken),
    claimsOf(jwt) {
      const [header, payload, signature] = jwt.split('.');
      if (!header || !payload || signature !== sign(`${header}.${payload}`)) return undefined;
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as IdTokenClaims & {
        aud: string;
        iss: string;
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
