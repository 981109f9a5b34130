import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import {
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr-public';
import { ActionError } from '../action/action-error.ts';
import type { RegistryCredentials } from './docker-cli.ts';

// Amazon ECR through the AWS SDK: credentials come from the SDK's default
// chain (environment, OIDC web identity, profile, instance role), endpoints
// from its configuration (e.g. AWS_ENDPOINT_URL_ECR), retries of throttling and
// server errors from its standard retry strategy. What is added here is the
// failures a user can fix, told as such.

/**
 * What `docker login` needs, when ECR's token expires, and the registry host
 * the token is for (from its proxyEndpoint). The password is a secret: mask
 * it before anything can print it.
 */
export type EcrCredentials = RegistryCredentials & { expiresAt?: Date; host?: string };

/** ECR Public's API lives in us-east-1 only, whatever the region of the job. */
const ECR_PUBLIC_REGION = 'us-east-1';

/** A client of the ECR API of the registry's region, FIPS and dual-stack when its host is. */
export function createEcrClient(registry: { region: string; fips?: boolean; dualstack?: boolean }): ECRClient {
  return new ECRClient({
    region: registry.region,
    // Left undefined unless the host asks for them, so that AWS_USE_FIPS_ENDPOINT
    // and AWS_USE_DUALSTACK_ENDPOINT still have their say.
    useFipsEndpoint: registry.fips === true ? true : undefined,
    useDualstackEndpoint: registry.dualstack === true ? true : undefined,
  });
}

/** Docker credentials for the private registry of `accountId` (ecr:GetAuthorizationToken). */
export async function ecrLogin(client: ECRClient, accountId: string): Promise<EcrCredentials> {
  const action = 'ecr:GetAuthorizationToken';
  const response = await call(action, () =>
    client.send(new GetAuthorizationTokenCommand({ registryIds: [accountId] })),
  );
  const data = response.authorizationData?.[0];
  if (!data?.authorizationToken)
    throw new Error(`Amazon ECR returned no authorization token for account ${accountId}.`);
  const credentials = decodeToken(data.authorizationToken, data.expiresAt);
  const host = data.proxyEndpoint?.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (host) credentials.host = host;
  return credentials;
}

/** Docker credentials for public.ecr.aws (ecr-public:GetAuthorizationToken, sts:GetServiceBearerToken). */
export async function ecrPublicLogin(): Promise<EcrCredentials> {
  const client = new ECRPUBLICClient({ region: ECR_PUBLIC_REGION });
  try {
    const action = 'ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken';
    const response = await call(action, () => client.send(new GetPublicAuthorizationTokenCommand({})));
    const data = response.authorizationData;
    if (!data?.authorizationToken) throw new Error('Amazon ECR Public returned no authorization token.');
    return decodeToken(data.authorizationToken, data.expiresAt);
  } finally {
    client.destroy();
  }
}

export interface EnsureRepositoryOptions {
  /** Whether a missing repository may be created (the `ecr-create-repository` input). */
  create: boolean;
  scanOnPush: boolean;
  tagImmutability: 'MUTABLE' | 'IMMUTABLE';
  /** The registry's account when it is not the caller's (a central registry account). */
  registryId?: string;
}

/**
 * Makes sure the repository exists: `exists` when it did (or another job
 * created it meanwhile), `created` when this call created it with the options.
 * A missing repository that may not be created is an ActionError.
 */
export async function ensureEcrRepository(
  client: ECRClient,
  repositoryName: string,
  options: EnsureRepositoryOptions,
): Promise<'exists' | 'created'> {
  const { registryId } = options;
  try {
    await call('ecr:DescribeRepositories', () =>
      client.send(new DescribeRepositoriesCommand({ registryId, repositoryNames: [repositoryName] })),
    );
    return 'exists';
  } catch (error) {
    if (!hasName(error, 'RepositoryNotFoundException')) throw error;
  }
  if (!options.create) {
    throw new ActionError(
      `The ECR repository '${repositoryName}' does not exist${registryId ? ` in account ${registryId}` : ''}: ` +
        "create it beforehand (e.g. with Terraform), or set 'ecr-create-repository: true' to let this step create it.",
      'ecr-repository-missing',
    );
  }
  try {
    await call('ecr:CreateRepository', () =>
      client.send(
        new CreateRepositoryCommand({
          registryId,
          repositoryName,
          imageScanningConfiguration: { scanOnPush: options.scanOnPush },
          imageTagMutability: options.tagImmutability,
        }),
      ),
    );
    return 'created';
  } catch (error) {
    if (hasName(error, 'RepositoryAlreadyExistsException')) return 'exists';
    throw error;
  }
}

/**
 * Whether the repository holds an image with this tag (ecr:DescribeImages).
 * A repository that does not exist holds none.
 */
/** The digest of the image `tag` names in the repository; undefined when there is no such tag (or repository). */
export async function ecrTagDigest(
  client: ECRClient,
  repositoryName: string,
  tag: string,
  registryId?: string,
): Promise<string | undefined> {
  try {
    const response = await call('ecr:DescribeImages', () =>
      client.send(new DescribeImagesCommand({ registryId, repositoryName, imageIds: [{ imageTag: tag }] })),
    );
    return (response.imageDetails ?? []).find((image) => image.imageTags?.includes(tag))?.imageDigest;
  } catch (error) {
    if (hasName(error, 'ImageNotFoundException') || hasName(error, 'RepositoryNotFoundException')) return undefined;
    throw error;
  }
}

/** The token is base64 of `user:password`; its content never goes into an error. */
function decodeToken(token: string, expiresAt: Date | undefined): EcrCredentials {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new Error("The authorization token from Amazon ECR is not base64 of 'user:password'.");
  }
  const credentials: EcrCredentials = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  if (expiresAt) credentials.expiresAt = expiresAt;
  return credentials;
}

const INVALID_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
]);

/** Runs one API call, turning the failures a user fixes (credentials, permissions) into ActionErrors. */
async function call<T>(action: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    // By name: the SDK's own advice, and CredentialsProviderError's class is in
    // @smithy/core, which is not ours to import.
    if (hasName(error, 'CredentialsProviderError')) {
      throw new ActionError(
        `No AWS credentials were found to call ${action}: configure them in an earlier step, ` +
          'e.g. with aws-actions/configure-aws-credentials (OIDC: role-to-assume, and permissions id-token: write).',
        'aws-credentials-missing',
        { cause: error },
      );
    }
    if (hasName(error, 'AccessDeniedException') || hasName(error, 'AccessDenied')) {
      throw new ActionError(
        `AWS denied ${action}: ${messageOf(error)} Allow ${action} to the IAM role or user this step runs as.`,
        'aws-access-denied',
        { cause: error },
      );
    }
    if (INVALID_CREDENTIALS.has(nameOf(error))) {
      throw new ActionError(
        `AWS rejected the credentials used to call ${action}: ${messageOf(error)} ` +
          'Check the credentials configured in an earlier step (key, secret, session token, expiry).',
        'aws-credentials-invalid',
        { cause: error },
      );
    }
    throw error;
  }
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function hasName(error: unknown, name: string): boolean {
  return nameOf(error) === name;
}

/** AWS's message, ending with a full stop. */
function messageOf(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).trim();
  return /[.!?]$/.test(message) ? message : `${message}.`;
}
