import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// ACTIONS_RUNTIME_TOKEN: the runner hands each job a JWT whose `scp` claim
// names the job's run and job in the results service,
// `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>`.
// @actions/artifact decodes it without verifying; the fake signs its own
// (HS256, a key per fake) and refuses any other, as the service would.

export interface ArtifactJob {
  /** The run's id in the results service (a UUID on GitHub, not the run number or id). */
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
}

export class RuntimeTokens {
  private readonly key = randomBytes(32);

  issue(job: ArtifactJob): string {
    const now = Math.floor(Date.now() / 1000);
    const header = encode({ typ: 'JWT', alg: 'HS256' });
    const claims = encode({
      // Other scopes come first on GitHub; the client must find its own.
      scp: `Actions.ExampleScope Actions.Results:${job.workflowRunBackendId}:${job.workflowJobRunBackendId}`,
      iss: 'vstoken.actions.githubusercontent.com',
      aud: 'vso:fake',
      nbf: now - 60,
      iat: now,
      exp: now + 6 * 3600,
    });
    return `${header}.${claims}.${this.sign(`${header}.${claims}`)}`;
  }

  /** The job a bearer token was issued for; undefined when the token is not one of this fake's. */
  verify(token: string): ArtifactJob | undefined {
    const [header, claims, signature, ...rest] = token.split('.');
    if (!header || !claims || !signature || rest.length > 0) return undefined;
    const expected = Buffer.from(this.sign(`${header}.${claims}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const { scp } = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { scp?: string };
    const scope = scp?.split(' ').find((s) => s.startsWith('Actions.Results:'));
    const [, workflowRunBackendId, workflowJobRunBackendId] = scope?.split(':') ?? [];
    return workflowRunBackendId && workflowJobRunBackendId
      ? { workflowRunBackendId, workflowJobRunBackendId }
      : undefined;
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
