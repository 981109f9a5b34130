import assert from 'node:assert/strict';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, type TestContext } from 'vitest';
import {
  createEcrClient,
  ecrLogin,
  ecrPublicLogin,
  ecrTagDigest,
  ensureEcrRepository,
} from '@iac-actions/shared/docker/ecr.ts';
import { FAKE_AWS_ACCOUNT_ID, FAKE_ECR_PASSWORD, startEcrApiFake, type EcrApiFake } from '../fakes/ecr-api.ts';
import { actionError } from '../assertions.ts';
import { useEnv } from '../process-env.ts';

// The real @aws-sdk clients, with the SDK's default credential chain and its
// endpoint configuration (AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ECR_PUBLIC),
// against the ECR API fake, which checks every request's SigV4 signature.
// Nothing of the host's own AWS setup may take part: no profile files, no
// instance metadata, no credentials but those each test sets.

const REGION = 'us-east-1';
const DIGEST = `sha256:${'4e'.repeat(32)}`;

/** Variables of the SDK's credential chain that the host may have set and a test must not inherit. */
const HOST_AWS_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_ENDPOINT_URL',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

/** Unsets the variables for one test and restores them after it. */
function unsetEnv(t: TestContext, names: string[]): void {
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  for (const name of names) Reflect.deleteProperty(process.env, name);
  t.onTestFinished(() => {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  });
}

/** A fake and a step environment that reaches it; `credentials: false` leaves the chain with none. */
async function setup(t: TestContext, { credentials = true } = {}): Promise<EcrApiFake> {
  const fake = await startEcrApiFake({ region: REGION });
  t.onTestFinished(() => fake.close());
  unsetEnv(t, HOST_AWS_VARIABLES);
  const nowhere = path.join(tmpdir(), `no-aws-config-${process.pid}`);
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...endpoints } = fake.env();
  useEnv(t, {
    ...endpoints,
    ...(credentials ? { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } : {}),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(nowhere, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(nowhere, 'credentials'),
  });
  return fake;
}

function client(t: TestContext) {
  const ecr = createEcrClient({ region: REGION });
  t.onTestFinished(() => ecr.destroy());
  return ecr;
}

const options = { create: false, scanOnPush: false, tagImmutability: 'MUTABLE' } as const;

describe('ECR login', () => {
  it('asks for a further account by registryIds and names the host of its registry (proxyEndpoint)', async (t) => {
    const fake = await setup(t);

    const credentials = await ecrLogin(client(t), '210987654321');

    expect(credentials.host).toBe('210987654321.dkr.ecr.us-east-1.amazonaws.com');
    expect(credentials.password).toBe(FAKE_ECR_PASSWORD);
    expect(fake.requestsTo('GetAuthorizationToken').map((r) => r.body)).toEqual([{ registryIds: ['210987654321'] }]);
  });

  it("returns the registry's password for user AWS, from a request signed for ecr in the region", async (t) => {
    const fake = await setup(t);
    const before = Date.now();
    const credentials = await ecrLogin(client(t), FAKE_AWS_ACCOUNT_ID);

    assert.equal(credentials.username, 'AWS');
    assert.equal(credentials.password, FAKE_ECR_PASSWORD);
    const lifetime = (credentials.expiresAt?.getTime() ?? 0) - before;
    assert.ok(lifetime > 11.9 * 3600_000 && lifetime <= 12 * 3600_000 + 1000, `expires in ${lifetime} ms`);
    const [request, ...others] = fake.requestsTo('GetAuthorizationToken');
    assert.equal(others.length, 0);
    assert.deepEqual(request?.body, { registryIds: [FAKE_AWS_ACCOUNT_ID] });
    assert.equal(request?.status, 200);
    assert.equal(request?.region, REGION);
    assert.equal(request?.headers['x-amz-target'], 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
  });

  it('logs in to ECR Public through its own endpoint variable, in us-east-1', async (t) => {
    const fake = await setup(t);
    const credentials = await ecrPublicLogin();

    assert.equal(credentials.username, 'AWS');
    assert.equal(credentials.password, FAKE_ECR_PASSWORD);
    assert.ok(credentials.expiresAt instanceof Date);
    const [request] = fake.requestsTo('GetAuthorizationToken', 'ecr-public');
    assert.equal(request?.headers['x-amz-target'], 'SpencerFrontendService.GetAuthorizationToken');
    assert.equal(request?.region, 'us-east-1');
  });

  it('is refused by the signature check when the secret key is wrong, without the secret in the error', async (t) => {
    const fake = await setup(t);
    useEnv(t, { AWS_SECRET_ACCESS_KEY: 'not-the-secret-key-of-this-access-key-id' });

    await assert.rejects(
      ecrLogin(client(t), FAKE_AWS_ACCOUNT_ID),
      actionError(
        'aws-credentials-invalid',
        /^AWS rejected the credentials used to call ecr:GetAuthorizationToken: The request signature we calculated does not match/,
        /^(?!.*not-the-secret-key)/s,
      ),
    );
    assert.deepEqual(
      fake.requests.map((r) => [r.action, r.status, r.errorType]),
      [['GetAuthorizationToken', 403, 'InvalidSignatureException']],
    );
  });

  it('is refused when the access key is unknown', async (t) => {
    const fake = await setup(t);
    useEnv(t, { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000' });

    await assert.rejects(
      ecrLogin(client(t), FAKE_AWS_ACCOUNT_ID),
      actionError('aws-credentials-invalid', /The security token included in the request is invalid\./),
    );
    assert.equal(fake.requests[0]?.errorType, 'UnrecognizedClientException');
  });

  it('tells to configure credentials when the default chain finds none, and sends nothing', async (t) => {
    const fake = await setup(t, { credentials: false });

    await assert.rejects(
      ecrLogin(client(t), FAKE_AWS_ACCOUNT_ID),
      actionError(
        'aws-credentials-missing',
        /^No AWS credentials were found to call ecr:GetAuthorizationToken: .*aws-actions\/configure-aws-credentials/,
      ),
    );
    await assert.rejects(ecrPublicLogin(), actionError('aws-credentials-missing', /ecr-public:GetAuthorizationToken/));
    assert.equal(fake.requests.length, 0);
  });

  it('names the IAM action AWS denied', async (t) => {
    const fake = await setup(t);
    fake.injectFault('GetAuthorizationToken', { kind: 'access-denied' });

    await assert.rejects(
      ecrLogin(client(t), FAKE_AWS_ACCOUNT_ID),
      actionError(
        'aws-access-denied',
        /^AWS denied ecr:GetAuthorizationToken: User: arn:aws:sts::123456789012:assumed-role\/github-actions\/GitHubActions is not authorized to perform: ecr:GetAuthorizationToken on resource: \*/,
        /Allow ecr:GetAuthorizationToken to the IAM role or user this step runs as\.$/,
      ),
    );
  });

  it('comes through throttling and a server error, retried by the SDK', async (t) => {
    const fake = await setup(t);
    fake.injectFault('GetAuthorizationToken', { kind: 'throttle' });
    fake.injectFault('GetAuthorizationToken', { kind: 'server-error' });

    const credentials = await ecrLogin(client(t), FAKE_AWS_ACCOUNT_ID);

    assert.equal(credentials.password, FAKE_ECR_PASSWORD);
    assert.deepEqual(
      fake.requestsTo('GetAuthorizationToken').map((r) => [r.status, r.errorType]),
      [
        [400, 'ThrottlingException'],
        [500, 'ServerException'],
        [200, undefined],
      ],
    );
  });

  it('gives up after the SDK’s attempts when the server keeps failing', async (t) => {
    const fake = await setup(t);
    fake.injectFault('GetAuthorizationToken', { kind: 'server-error', status: 503 }, Infinity);

    await assert.rejects(ecrLogin(client(t), FAKE_AWS_ACCOUNT_ID), { name: 'ServerException' });
    assert.equal(fake.requestsTo('GetAuthorizationToken').length, 3);
  });
});

describe('ensureEcrRepository', () => {
  it('finds an existing repository and creates nothing', async (t) => {
    const fake = await setup(t);
    fake.addRepository('team/app', { imageTagMutability: 'IMMUTABLE' });

    assert.equal(await ensureEcrRepository(client(t), 'team/app', { ...options, create: true }), 'exists');
    assert.deepEqual(fake.requestsTo('DescribeRepositories')[0]?.body, { repositoryNames: ['team/app'] });
    assert.equal(fake.requestsTo('CreateRepository').length, 0);
    assert.equal(fake.repository('team/app')?.imageTagMutability, 'IMMUTABLE');
  });

  it('creates a missing repository with the scanning and tag mutability asked for', async (t) => {
    const fake = await setup(t);

    const outcome = await ensureEcrRepository(client(t), 'team/api', {
      create: true,
      scanOnPush: true,
      tagImmutability: 'IMMUTABLE',
    });

    assert.equal(outcome, 'created');
    assert.deepEqual(fake.requestsTo('CreateRepository')[0]?.body, {
      repositoryName: 'team/api',
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: 'IMMUTABLE',
    });
    const created = fake.repository('team/api');
    assert.equal(created?.imageTagMutability, 'IMMUTABLE');
    assert.deepEqual(created?.imageScanningConfiguration, { scanOnPush: true });
    assert.equal(created?.repositoryUri, `${FAKE_AWS_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/team/api`);
  });

  it('creates a mutable repository without scanning when asked so', async (t) => {
    const fake = await setup(t);

    assert.equal(await ensureEcrRepository(client(t), 'web', { ...options, create: true }), 'created');
    assert.equal(fake.repository('web')?.imageTagMutability, 'MUTABLE');
    assert.deepEqual(fake.repository('web')?.imageScanningConfiguration, { scanOnPush: false });
  });

  it('refuses a missing repository it may not create, naming the input that allows it', async (t) => {
    const fake = await setup(t);

    await assert.rejects(
      ensureEcrRepository(client(t), 'team/app', options),
      actionError(
        'ecr-repository-missing',
        "The ECR repository 'team/app' does not exist: create it beforehand (e.g. with Terraform), or set 'ecr-create-repository: true' to let this step create it.",
      ),
    );
    assert.equal(fake.requestsTo('CreateRepository').length, 0);
    assert.equal(fake.repository('team/app'), undefined);
  });

  it('takes a repository another job created meanwhile for existing', async (t) => {
    const fake = await setup(t);
    fake.injectFault('CreateRepository', { kind: 'delay', ms: 300 });

    const outcome = ensureEcrRepository(client(t), 'team/app', { ...options, create: true });
    while (fake.requestsTo('CreateRepository').length === 0) await delay(5);
    fake.addRepository('team/app');

    assert.equal(await outcome, 'exists');
    assert.equal(fake.requestsTo('CreateRepository')[0]?.errorType, 'RepositoryAlreadyExistsException');
  });

  it('names ecr:CreateRepository when AWS denies it', async (t) => {
    const fake = await setup(t);
    fake.injectFault('CreateRepository', { kind: 'access-denied' });

    await assert.rejects(
      ensureEcrRepository(client(t), 'team/app', { ...options, create: true }),
      actionError('aws-access-denied', /^AWS denied ecr:CreateRepository: .*repository\/team\/app/),
    );
  });

  it('names ecr:DescribeRepositories when AWS denies it', async (t) => {
    const fake = await setup(t);
    fake.injectFault('DescribeRepositories', { kind: 'access-denied' });

    await assert.rejects(
      ensureEcrRepository(client(t), 'team/app', { ...options, create: true }),
      actionError('aws-access-denied', /^AWS denied ecr:DescribeRepositories: /),
    );
    assert.equal(fake.requestsTo('CreateRepository').length, 0);
  });
});

describe('ecrTagDigest', () => {
  it('is the digest of a tag the repository holds, undefined for one it does not', async (t) => {
    const fake = await setup(t);
    fake.addImage('team/app', 'v1.2.0', DIGEST);
    fake.addImage('team/app', 'latest', DIGEST);
    const ecr = client(t);

    assert.equal(await ecrTagDigest(ecr, 'team/app', 'v1.2.0'), DIGEST);
    assert.equal(await ecrTagDigest(ecr, 'team/app', 'latest'), DIGEST);
    assert.equal(await ecrTagDigest(ecr, 'team/app', 'v1.3.0'), undefined);
    assert.deepEqual(fake.requestsTo('DescribeImages')[0]?.body, {
      repositoryName: 'team/app',
      imageIds: [{ imageTag: 'v1.2.0' }],
    });
    assert.equal(fake.requestsTo('DescribeImages')[2]?.errorType, 'ImageNotFoundException');
  });

  it('is undefined when the repository does not exist yet', async (t) => {
    await setup(t);

    assert.equal(await ecrTagDigest(client(t), 'team/new', 'v1'), undefined);
  });

  it('asks the registry of another account when given its id', async (t) => {
    const fake = await setup(t);
    fake.addImage('team/app', 'v1', DIGEST);

    assert.equal(await ecrTagDigest(client(t), 'team/app', 'v1', '210987654321'), undefined);
    assert.equal(await ecrTagDigest(client(t), 'team/app', 'v1', FAKE_AWS_ACCOUNT_ID), DIGEST);
    assert.equal((fake.requestsTo('DescribeImages')[0]?.body as { registryId?: string }).registryId, '210987654321');
  });

  it('names ecr:DescribeImages when AWS denies it', async (t) => {
    const fake = await setup(t);
    fake.injectFault('DescribeImages', { kind: 'access-denied' });

    await assert.rejects(
      ecrTagDigest(client(t), 'team/app', 'v1'),
      actionError('aws-access-denied', /^AWS denied ecr:DescribeImages: /),
    );
  });
});
