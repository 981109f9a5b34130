import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { FaultQueue, ServerTimers, type InjectedFault } from './fault-queue.ts';

// A fake of the Amazon ECR API (and of ECR Public's GetAuthorizationToken),
// over real HTTP on loopback, so that the real @aws-sdk/client-ecr and
// client-ecr-public talk to it, pointed here by AWS_ENDPOINT_URL_ECR and
// AWS_ENDPOINT_URL_ECR_PUBLIC (see `env()`). It speaks the AWS JSON 1.1
// protocol (POST /, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Action>`,
// errors as `{"__type", "message"}`), with the shapes and messages of the ECR
// API reference, and checks the SigV4 signature of every request against the
// one key pair it knows, as AWS does. It stands for one region's endpoint.

/** AWS's documented example key pair; the fake's credentials unless told others. */
export const FAKE_AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const FAKE_AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const FAKE_AWS_ACCOUNT_ID = '123456789012';
/** The registry password the authorization tokens carry (as base64 of `AWS:<password>`). */
export const FAKE_ECR_PASSWORD = 'eyJwYXlsb2FkIjoiZmFrZS1lY3ItcmVnaXN0cnktcGFzc3dvcmQifQ==';

const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921';
const ECR_PUBLIC_TARGET = 'SpencerFrontendService';
const JSON_1_1 = 'application/x-amz-json-1.1';
/** AWS refuses a signature dated further than this from its clock. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const TOKEN_LIFETIME_MS = 12 * 3600_000;

export type EcrAction = 'GetAuthorizationToken' | 'DescribeRepositories' | 'CreateRepository' | 'DescribeImages';
export type EcrService = 'ecr' | 'ecr-public';

export interface EcrApiFakeOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  /** When set, requests must carry it (x-amz-security-token), as with an assumed role's credentials. */
  sessionToken?: string;
  registryPassword?: string;
  accountId?: string;
  /** The region this endpoint serves; requests signed for another are refused. Default us-east-1. */
  region?: string;
  /** The clock of timestamps and of the signature's age; default the real one. */
  now?: () => Date;
  /**
   * The proxyEndpoint GetAuthorizationToken gives for an account; default
   * AWS's `https://<account>.dkr.ecr.<region>.amazonaws.com`. Tests point it
   * at a local registry, which `docker login` can reach.
   */
  proxyEndpoint?: (registryId: string) => string;
}

export type EcrFault =
  /** 400 ThrottlingException, which the SDK retries with backoff. */
  | { kind: 'throttle' }
  /** A server error: 500 ServerException unless told another status. */
  | { kind: 'server-error'; status?: number }
  /** 400 AccessDeniedException with IAM's message, naming the action and the caller. */
  | { kind: 'access-denied' }
  /** A slow response: waits, then answers normally. */
  | { kind: 'delay'; ms: number }
  /** A dropped connection: the request is read, then the socket destroyed. */
  | { kind: 'drop' };

export type InjectedEcrFault = InjectedFault<EcrFault> & { readonly action: EcrAction };

export interface EcrRequest {
  service: EcrService | undefined;
  /** The action of X-Amz-Target, e.g. `DescribeRepositories`; undefined when it has none. */
  action: string | undefined;
  /** Parsed JSON, the raw text when it is not JSON. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** From the signature's credential scope. */
  accessKeyId?: string;
  region?: string;
  /** Arrival, in ms since the epoch. */
  at: number;
  /** The status answered; undefined while pending or when the connection was dropped. */
  status?: number;
  /** The `__type` of an error answered. */
  errorType?: string;
  fault?: EcrFault['kind'];
}

export interface EcrRepository {
  repositoryArn: string;
  registryId: string;
  repositoryName: string;
  repositoryUri: string;
  /** Epoch seconds, as on the wire. */
  createdAt: number;
  imageTagMutability: 'MUTABLE' | 'IMMUTABLE';
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: 'AES256' | 'KMS'; kmsKey?: string };
}

export interface EcrImage {
  registryId: string;
  repositoryName: string;
  imageDigest: string;
  imageTags: string[];
  imageSizeInBytes: number;
  imagePushedAt: number;
  imageManifestMediaType: string;
  artifactMediaType: string;
}

export interface EcrApiFake {
  /** The endpoint URL. */
  readonly url: string;
  readonly accountId: string;
  readonly region: string;
  readonly registryPassword: string;
  /** The registry host of the account, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com`. */
  readonly registryHost: string;
  /**
   * What a step needs to reach the fake with the SDK's default chain:
   * AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ACCESS_KEY_ID,
   * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN when set), AWS_REGION.
   */
  env(): Record<string, string>;

  /** Seeds a repository as CreateRepository would make it. */
  addRepository(
    name: string,
    options?: { scanOnPush?: boolean; imageTagMutability?: 'MUTABLE' | 'IMMUTABLE' },
  ): EcrRepository;
  repository(name: string): EcrRepository | undefined;
  repositories(): EcrRepository[];
  /**
   * Tags the image `digest` in `repositoryName` (added when missing, as a push
   * does); a tag names one image, so it leaves any other image that had it.
   */
  addImage(repositoryName: string, tag: string, digest: string): EcrImage;
  images(repositoryName: string): EcrImage[];

  /** Every request received, in order of arrival. */
  readonly requests: readonly EcrRequest[];
  requestsTo(action: EcrAction, service?: EcrService): EcrRequest[];
  clearRequests(): void;
  /** Makes the next `times` calls of `action` (to ECR, or to ECR Public for its login) meet `fault`. */
  injectFault(action: EcrAction, fault: EcrFault, times?: number): InjectedEcrFault;
  clearFaults(): void;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

/** An error answer in AWS JSON 1.1's shape; handlers throw it. */
class AwsError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

interface Stored {
  repository: EcrRepository;
  images: Map<string, EcrImage>;
}

interface Caller {
  service: EcrService;
  region: string;
  accessKeyId: string;
}

type Handler = (body: Record<string, unknown>, caller: Caller) => unknown;

export async function startEcrApiFake(options: EcrApiFakeOptions = {}): Promise<EcrApiFake> {
  const accessKeyId = options.accessKeyId ?? FAKE_AWS_ACCESS_KEY_ID;
  const secretAccessKey = options.secretAccessKey ?? FAKE_AWS_SECRET_ACCESS_KEY;
  const { sessionToken } = options;
  const accountId = options.accountId ?? FAKE_AWS_ACCOUNT_ID;
  const region = options.region ?? 'us-east-1';
  const registryPassword = options.registryPassword ?? FAKE_ECR_PASSWORD;
  const now = options.now ?? (() => new Date());
  const registryHost = `${accountId}.dkr.ecr.${region}.amazonaws.com`;
  const stored = new Map<string, Stored>();
  const log: EcrRequest[] = [];
  const faults = new FaultQueue<EcrAction, EcrFault>();
  const timers = new ServerTimers();
  const credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  const signers = new Map<string, SignatureV4>();
  const signerFor = (scopeRegion: string, service: string) => {
    const key = `${scopeRegion}/${service}`;
    let signer = signers.get(key);
    if (!signer) {
      // No applyChecksum: x-amz-content-sha256 is signed when the client sent it, not added.
      signer = new SignatureV4({
        credentials,
        region: scopeRegion,
        service,
        sha256: Hash.bind(null, 'sha256'),
        applyChecksum: false,
      });
      signers.set(key, signer);
    }
    return signer;
  };

  const epochSeconds = () => now().getTime() / 1000;
  const token = () => Buffer.from(`AWS:${registryPassword}`).toString('base64');

  function createRepository(
    name: string,
    settings: { scanOnPush?: boolean; imageTagMutability?: 'MUTABLE' | 'IMMUTABLE' } = {},
  ): EcrRepository {
    const repository: EcrRepository = {
      repositoryArn: `arn:aws:ecr:${region}:${accountId}:repository/${name}`,
      registryId: accountId,
      repositoryName: name,
      repositoryUri: `${registryHost}/${name}`,
      createdAt: epochSeconds(),
      imageTagMutability: settings.imageTagMutability ?? 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: settings.scanOnPush ?? false },
      encryptionConfiguration: { encryptionType: 'AES256' },
    };
    stored.set(name, { repository, images: new Map() });
    return repository;
  }

  function requireRepository(name: unknown, registryId: unknown): Stored {
    const registry = typeof registryId === 'string' ? registryId : accountId;
    const found = registry === accountId && typeof name === 'string' ? stored.get(name) : undefined;
    if (!found) {
      throw new AwsError(
        400,
        'RepositoryNotFoundException',
        `The repository with name '${String(name)}' does not exist in the registry with id '${registry}'`,
      );
    }
    return found;
  }

  const handlers: Record<EcrService, Partial<Record<string, Handler>>> = {
    ecr: {
      GetAuthorizationToken: (body) => {
        const registryIds = Array.isArray(body.registryIds) ? (body.registryIds as string[]) : [accountId];
        const expiresAt = epochSeconds() + TOKEN_LIFETIME_MS / 1000;
        return {
          authorizationData: registryIds.map((id) => ({
            authorizationToken: token(),
            expiresAt,
            proxyEndpoint: options.proxyEndpoint?.(id) ?? `https://${id}.dkr.ecr.${region}.amazonaws.com`,
          })),
        };
      },
      DescribeRepositories: (body) => {
        const names = Array.isArray(body.repositoryNames) ? (body.repositoryNames as string[]) : undefined;
        if (!names) {
          const registry = typeof body.registryId === 'string' ? body.registryId : accountId;
          return { repositories: registry === accountId ? [...stored.values()].map((s) => s.repository) : [] };
        }
        return { repositories: names.map((name) => requireRepository(name, body.registryId).repository) };
      },
      CreateRepository: (body) => {
        const name = body.repositoryName;
        const registry = typeof body.registryId === 'string' ? body.registryId : accountId;
        if (typeof name !== 'string' || !isRepositoryName(name)) {
          throw new AwsError(
            400,
            'InvalidParameterException',
            "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''",
          );
        }
        if (registry !== accountId) {
          throw new AwsError(
            400,
            'InvalidParameterException',
            `Invalid parameter at 'registryId': '${registry}' is not your account`,
          );
        }
        if (stored.has(name)) {
          throw new AwsError(
            400,
            'RepositoryAlreadyExistsException',
            `The repository with name '${name}' already exists in the registry with id '${accountId}'`,
          );
        }
        const mutability = body.imageTagMutability ?? 'MUTABLE';
        if (mutability !== 'MUTABLE' && mutability !== 'IMMUTABLE') {
          throw new AwsError(
            400,
            'InvalidParameterException',
            `Invalid parameter at 'imageTagMutability': ${String(mutability)}`,
          );
        }
        const scanning = body.imageScanningConfiguration as { scanOnPush?: unknown } | undefined;
        return {
          repository: createRepository(name, {
            imageTagMutability: mutability,
            scanOnPush: scanning?.scanOnPush === true,
          }),
        };
      },
      DescribeImages: (body) => {
        const { repository, images } = requireRepository(body.repositoryName, body.registryId);
        const ids = Array.isArray(body.imageIds)
          ? (body.imageIds as { imageTag?: string; imageDigest?: string }[])
          : undefined;
        if (!ids) return { imageDetails: [...images.values()] };
        return {
          imageDetails: ids.map((id) => {
            const image = [...images.values()].find(
              (candidate) =>
                (id.imageDigest === undefined || candidate.imageDigest === id.imageDigest) &&
                (id.imageTag === undefined || candidate.imageTags.includes(id.imageTag)),
            );
            if (!image) {
              throw new AwsError(
                400,
                'ImageNotFoundException',
                `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} ` +
                  `does not exist within the repository with name '${repository.repositoryName}' in the registry with id '${accountId}'`,
              );
            }
            return image;
          }),
        };
      },
    },
    'ecr-public': {
      GetAuthorizationToken: () => ({
        authorizationData: { authorizationToken: token(), expiresAt: epochSeconds() + TOKEN_LIFETIME_MS / 1000 },
      }),
    },
  };

  /** The caller, when the request is signed by the known key for this service and region; else an AwsError. */
  async function authenticate(
    req: IncomingMessage,
    raw: Buffer,
    service: EcrService,
    entry: EcrRequest,
  ): Promise<Caller> {
    const header = req.headers.authorization;
    if (!header) throw new AwsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
        header,
      );
    if (!match) {
      throw new AwsError(
        403,
        'IncompleteSignatureException',
        `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature': ${header.split(' ')[0]}`,
      );
    }
    const [, keyId, day, scopeRegion, scopeService, signedHeaders, signature] = match as unknown as string[];
    entry.accessKeyId = keyId;
    entry.region = scopeRegion;
    const invalidToken = () =>
      new AwsError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (keyId !== accessKeyId) throw invalidToken();
    const presentedToken = req.headers['x-amz-security-token'];
    if (presentedToken !== sessionToken) throw invalidToken();
    if (scopeService !== service) {
      throw new AwsError(
        403,
        'InvalidSignatureException',
        `Credential should be scoped to correct service: '${service}'.`,
      );
    }
    // ECR Public's API is served from us-east-1 only.
    const expectedRegion = service === 'ecr-public' ? 'us-east-1' : region;
    if (scopeRegion !== expectedRegion) {
      throw new AwsError(
        403,
        'InvalidSignatureException',
        `Credential should be scoped to a valid region, not '${scopeRegion}'.`,
      );
    }
    // The signer trusts a payload hash header instead of hashing the body; AWS
    // checks it against the body, and so must the fake.
    const payloadHash = req.headers['x-amz-content-sha256'];
    if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(raw).digest('hex')) {
      throw new AwsError(
        403,
        'InvalidSignatureException',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const signedAt = parseAmzDate(amzDate);
    if (!signedAt || !amzDate.startsWith(day!)) {
      throw new AwsError(
        403,
        'IncompleteSignatureException',
        'Date must be in ISO-8601 basic format and match the credential scope.',
      );
    }
    if (Math.abs(now().getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw new AwsError(
        403,
        'InvalidSignatureException',
        `Signature expired: ${amzDate} is now earlier than the allowed 5 minutes of skew.`,
      );
    }

    const names = signedHeaders!.split(';');
    const headers: Record<string, string> = {};
    for (const name of names) {
      const value = req.headers[name];
      if (value === undefined)
        throw new AwsError(403, 'InvalidSignatureException', `Signed header '${name}' is missing.`);
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const [hostname = '', port] = (headers.host ?? String(req.headers.host ?? '')).split(':');
    const request = new HttpRequest({
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: raw,
    });
    const signed = await signerFor(scopeRegion!, scopeService!).sign(request, {
      signingDate: signedAt,
      signableHeaders: new Set(names),
    });
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1] ?? '';
    if (expected.length !== signature!.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) {
      throw new AwsError(
        403,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    return { service, region: scopeRegion!, accessKeyId: keyId! };
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const text = raw.toString('utf8');
    const target = /^([A-Za-z0-9_]+)\.([A-Za-z]+)$/.exec(String(req.headers['x-amz-target'] ?? ''));
    const service: EcrService | undefined =
      target?.[1] === ECR_TARGET ? 'ecr' : target?.[1] === ECR_PUBLIC_TARGET ? 'ecr-public' : undefined;
    const action = target?.[2];
    const entry: EcrRequest = { service, action, body: parseBody(text), headers: { ...req.headers }, at: Date.now() };
    log.push(entry);
    const send = (status: number, payload: unknown) => {
      entry.status = status;
      if (res.destroyed) return;
      const bytes = Buffer.from(JSON.stringify(payload));
      res.writeHead(status, {
        'content-type': JSON_1_1,
        'content-length': String(bytes.length),
        'x-amzn-requestid': randomUUID(),
        ...(status >= 400 ? { 'x-amzn-errortype': (payload as { __type: string }).__type } : {}),
      });
      res.end(bytes);
    };
    const fail = (error: AwsError) => {
      entry.errorType = error.type;
      send(error.status, { __type: error.type, message: error.message });
    };

    try {
      const handler =
        service && action && Object.hasOwn(handlers[service], action) ? handlers[service][action] : undefined;
      if (req.method !== 'POST' || !service || !action || !handler) {
        throw new AwsError(
          400,
          'UnknownOperationException',
          `The ECR API fake does not serve '${String(req.headers['x-amz-target'])}'.`,
        );
      }
      const caller = await authenticate(req, raw, service, entry);
      if (!String(req.headers['content-type'] ?? '').startsWith(JSON_1_1)) {
        throw new AwsError(400, 'SerializationException', `Expected Content-Type ${JSON_1_1}`);
      }
      const body = text.trim() === '' ? {} : entry.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new AwsError(400, 'SerializationException', 'Start of structure or map found where not expected.');
      }

      const fault = faults.take(action as EcrAction);
      if (fault) entry.fault = fault.kind;
      if (fault?.kind === 'drop') return void req.socket.destroy();
      if (fault?.kind === 'delay') await timers.sleep(fault.ms);
      else if (fault?.kind === 'throttle') throw new AwsError(400, 'ThrottlingException', 'Rate exceeded');
      else if (fault?.kind === 'server-error') {
        throw new AwsError(
          fault.status ?? 500,
          'ServerException',
          'We encountered an internal error. Please try again.',
        );
      } else if (fault?.kind === 'access-denied') {
        const iamAction = `${service}:${action}`;
        throw new AwsError(
          400,
          'AccessDeniedException',
          `User: arn:aws:sts::${accountId}:assumed-role/github-actions/GitHubActions is not authorized to perform: ${iamAction} on resource: ${resourceOf(action, body as Record<string, unknown>)} because no identity-based policy allows the ${iamAction} action`,
        );
      }

      send(200, handler(body as Record<string, unknown>, caller));
    } catch (error) {
      if (error instanceof AwsError) return fail(error);
      // A bug of the fake: loud, with the stack, for the test's author.
      fail(new AwsError(500, 'InternalFailure', `ECR API fake failed: ${(error as Error).stack ?? String(error)}`));
    }
  }

  function resourceOf(action: string, body: Record<string, unknown>): string {
    if (action === 'GetAuthorizationToken') return '*';
    return `arn:aws:ecr:${region}:${accountId}:repository/${String(body.repositoryName ?? (body.repositoryNames as string[] | undefined)?.[0] ?? '*')}`;
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    accountId,
    region,
    registryPassword,
    registryHost,
    env: () => ({
      AWS_ENDPOINT_URL_ECR: url,
      AWS_ENDPOINT_URL_ECR_PUBLIC: url,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      ...(sessionToken ? { AWS_SESSION_TOKEN: sessionToken } : {}),
      AWS_REGION: region,
    }),

    addRepository: (name, settings) => {
      if (stored.has(name)) throw new Error(`The ECR fake already has a repository '${name}'.`);
      return createRepository(name, settings);
    },
    repository: (name) => stored.get(name)?.repository,
    repositories: () => [...stored.values()].map((s) => s.repository),
    addImage: (repositoryName, tag, digest) => {
      if (!stored.has(repositoryName)) createRepository(repositoryName);
      const target = stored.get(repositoryName)!;
      for (const image of target.images.values()) image.imageTags = image.imageTags.filter((t) => t !== tag);
      let image = target.images.get(digest);
      if (!image) {
        image = {
          registryId: accountId,
          repositoryName,
          imageDigest: digest,
          imageTags: [],
          imageSizeInBytes: 7_340_032,
          imagePushedAt: epochSeconds(),
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
          artifactMediaType: 'application/vnd.oci.image.config.v1+json',
        };
        target.images.set(digest, image);
      }
      image.imageTags.push(tag);
      return image;
    },
    images: (repositoryName) => [...(stored.get(repositoryName)?.images.values() ?? [])],

    requests: log,
    requestsTo: (action, service = 'ecr') =>
      log.filter((entry) => entry.action === action && entry.service === service),
    clearRequests: () => {
      log.length = 0;
    },
    injectFault: (action, fault, times = 1) => Object.assign(faults.inject(action, fault, times), { action }),
    clearFaults: () => faults.clear(),
    close: () => timers.closeServer(server),
  };
}

/** ECR's constraint on repository names, and its 2 to 256 characters. */
function isRepositoryName(name: string): boolean {
  return (
    name.length >= 2 &&
    name.length <= 256 &&
    /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)
  );
}

/** `20240131T235959Z` as a Date; undefined when it is not that format. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

function parseBody(raw: string): unknown {
  if (!raw.trim()) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
