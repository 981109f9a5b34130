import { createHash } from 'node:crypto';
import { StandInError, type StandIn } from './index.ts';

// aws-actions/configure-aws-credentials: with `role-to-assume` and no access
// keys, gets the job's OIDC token (which needs `id-token: write`) for the
// audience `sts.amazonaws.com`, exchanges it with STS
// (AssumeRoleWithWebIdentity — here the runner's `assumeRole` setting, which
// may deny it) and exports AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION and AWS_DEFAULT_REGION, masked.

export const configureAwsCredentials: StandIn = {
  defaults: {
    'aws-region': '',
    'role-to-assume': '',
    'role-session-name': 'GitHubActions',
    audience: 'sts.amazonaws.com',
    'aws-access-key-id': '',
    'aws-secret-access-key': '',
    'aws-session-token': '',
    'mask-aws-account-id': 'true',
    'output-credentials': 'false',
  },
  async run(context) {
    const { inputs } = context;
    const region = inputs['aws-region'];
    if (!region) throw new StandInError('Input required and not supplied: aws-region');
    const exported = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => {
      for (const value of Object.values(credentials)) if (value) context.mask(value);
      return {
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
      };
    };
    if (inputs['aws-access-key-id']) {
      return {
        env: exported({
          accessKeyId: inputs['aws-access-key-id'],
          secretAccessKey: inputs['aws-secret-access-key'] ?? '',
          sessionToken: inputs['aws-session-token'],
        }),
      };
    }
    const roleArn = inputs['role-to-assume'];
    if (!roleArn) throw new StandInError('Credentials could not be loaded, please check your action inputs');

    const requestUrl = context.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const requestToken = context.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!requestUrl || !requestToken) {
      context.log(
        'It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission? ' +
          'If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.',
      );
      throw new StandInError(
        'Could not assume role with OIDC: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable',
      );
    }
    const response = await fetch(`${requestUrl}&audience=${encodeURIComponent(inputs.audience!)}`, {
      headers: { authorization: `Bearer ${requestToken}` },
    });
    if (!response.ok) throw new StandInError(`Could not get ID token: ${response.status} ${await response.text()}`);
    const jwt = ((await response.json()) as { value: string }).value;
    const claims = context.claimsOf(jwt);
    if (!claims) throw new StandInError('Could not assume role with OIDC: the ID token is not valid');
    context.mask(jwt);

    let credentials;
    try {
      credentials = context.assumeRole?.({ roleArn, sessionName: inputs['role-session-name']!, claims });
    } catch (error) {
      throw new StandInError(`Could not assume role with OIDC: ${(error as Error).message}`);
    }
    // Without the test's STS: credentials derived from the role and the token's subject.
    const seed = createHash('sha256').update(`${roleArn}\n${claims.sub}`).digest('hex');
    credentials ??= {
      accessKeyId: `ASIA${seed.slice(0, 16).toUpperCase()}`,
      secretAccessKey: seed.slice(16, 56),
      sessionToken: `FwoG${seed}`,
    };
    const account = /^arn:aws:iam::(\d{12}):/.exec(roleArn)?.[1] ?? '';
    if (account && inputs['mask-aws-account-id'] === 'true') context.mask(account);
    context.log(`Authenticated as assumedRoleId ${roleArn.split('/').pop()}:${inputs['role-session-name']}`);
    return {
      env: exported(credentials),
      outputs: {
        'aws-account-id': account,
        ...(inputs['output-credentials'] === 'true'
          ? {
              'aws-access-key-id': credentials.accessKeyId,
              'aws-secret-access-key': credentials.secretAccessKey,
              'aws-session-token': credentials.sessionToken,
            }
          : {}),
      },
      details: { roleArn, subject: claims.sub, audience: claims.aud, environment: claims.environment },
    };
  },
};
