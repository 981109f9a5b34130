import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError } from '../action/action-error.ts';
import { retry } from '../util/retry.ts';
import { SecretFiles } from '../util/secret-files.ts';
import { buildCommand, pushedByBuildx, type BuildOptions, type Builder } from './build-command.ts';
import { PushError, type DockerCli, type RegistryCredentials } from './docker-cli.ts';
import { createImageCopier, type ImageCopier } from './image-copy.ts';
import type { DigestReference, ImageName } from './image-reference.ts';
import { isTransientPushError } from './push-errors.ts';
import type { LoginPlan } from './registry-logins.ts';

// docker-publish from settings to pushed references: log in, make sure ECR
// repositories exist, look at existing tags, build once, push every reference
// with retries. Everything that can refuse the run (credentials, repositories,
// existing tags) is done before the build. With a source image (promotion)
// nothing is built: that image is copied to every reference as it is.

export type IfTagExists = 'overwrite' | 'skip' | 'fail';

export interface PublishSettings {
  images: readonly ImageName[];
  /** Tag names (no image), in order. */
  tags: readonly string[];
  labels: Record<string, string>;
  logins: readonly LoginPlan[];
  build: Omit<BuildOptions, 'tags' | 'labels' | 'secretFiles'>;
  /** Build secrets: id → value (already masked). */
  secrets: Record<string, string>;
  ifTagExists: IfTagExists;
  ecr: { createRepository: boolean; scanOnPush: boolean; tagImmutability: 'MUTABLE' | 'IMMUTABLE' };
  retry: { attempts: number; firstDelayMs: number; maxDelayMs: number };
  /** `source-image`: an existing image copied to every reference instead of a build. */
  source?: DigestReference;
}

/** What ECR calls docker-publish makes; the real one is ecr-registry.ts, tests may pass their own. */
export interface EcrRegistry {
  /** `host`: the registry AWS's answer names (its proxyEndpoint), where a further account's login goes. */
  login(plan: Extract<LoginPlan, { method: 'ecr' }>): Promise<RegistryCredentials & { host?: string }>;
  publicLogin(): Promise<RegistryCredentials>;
  ensureRepository(
    plan: Extract<LoginPlan, { method: 'ecr' }>,
    repository: string,
    options: PublishSettings['ecr'],
  ): Promise<'exists' | 'created'>;
  /** The digest the repository holds `tag` at; undefined when there is no such tag. */
  tagDigest(plan: Extract<LoginPlan, { method: 'ecr' }>, repository: string, tag: string): Promise<string | undefined>;
}

export interface PublishDeps {
  cli: DockerCli;
  ecr: EcrRegistry;
  /** Where the image ID, buildx metadata and secret files go (RUNNER_TEMP). */
  workDir: string;
  mask(value: string): void;
  log(line: string): void;
  /** A warning annotation; default: a log line. */
  warn?(message: string): void;
  /** Runs `fn` as one folded log group. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Copies a source image (skopeo); default one with the docker CLI's configuration. */
  copier?: ImageCopier;
}

export type ReferenceStatus = 'pushed' | 'skipped' | 'built';

export interface PublishedReference {
  image: string;
  tag: string;
  reference: string;
  status: ReferenceStatus;
  digest: string;
  attempts: number;
}

export interface PublishResult {
  builder: Builder;
  /** Empty when nothing had to be built (every tag already there, if-tag-exists: skip). */
  imageId: string;
  /** The digest pushed; when every tag was already there (if-tag-exists: skip), the digest the first one holds. */
  digest: string;
  references: PublishedReference[];
  createdRepositories: string[];
  buildMs: number;
  /** The source image copied (`source-image`), when nothing was built. */
  promotedFrom?: string;
}

export async function publish(settings: PublishSettings, deps: PublishDeps): Promise<PublishResult> {
  const { cli } = deps;
  if (settings.build.push && !settings.tags.length) {
    throw new ActionError(
      "The 'tags' rules give no tag for this event; add a rule that applies to it (e.g. type=sha) or set push: false.",
      'no-tags',
    );
  }
  const { source } = settings;
  if (source && !settings.build.push) {
    throw new ActionError(
      "Input 'push' is false, but source-image asks to copy an image to the registries: remove push: false, or source-image to build.",
      'invalid-input',
    );
  }
  const copier = source ? (deps.copier ?? createImageCopier({ configDir: cli.configDir })) : undefined;
  const [, hasBuildx] = await Promise.all([cli.checkEngine(), cli.hasBuildx(), copier?.check()]);
  const builder: Builder = hasBuildx ? 'buildx' : 'classic';
  const references = settings.images.flatMap((image) =>
    settings.tags.map((tag) => ({ image, tag, reference: `${image.name}:${tag}` })),
  );
  const iidFile = path.join(deps.workDir, 'image-id');
  const metadataFile = path.join(deps.workDir, 'build-metadata.json');
  const files = new SecretFiles(deps.workDir);
  try {
    const build: BuildOptions = {
      ...settings.build,
      tags: references.map((r) => r.reference),
      labels: settings.labels,
      secretFiles: Object.fromEntries(Object.keys(settings.secrets).map((id) => [id, ''])),
    };
    // Refuses options the builder cannot honour before any login, build or secret file.
    if (!source) buildCommand(build, builder, { iidFile, metadataFile });
    for (const [id, value] of Object.entries(source ? {} : settings.secrets)) {
      build.secretFiles[id] = await files.write('build-secret', '', value);
    }

    const ecrPlans = new Map<string, Extract<LoginPlan, { method: 'ecr' }>>();
    // Without a push, only the registries the build reads from (ecr-account-ids).
    const logins = settings.build.push
      ? settings.logins
      : settings.logins.filter((plan) => plan.method === 'ecr' && plan.account);
    if (logins.length) await deps.group('Registry login', () => loginAll(logins, deps, ecrPlans));
    const createdRepositories = settings.build.push ? await ensureRepositories(settings, deps, ecrPlans) : [];
    const existing =
      settings.build.push && settings.ifTagExists !== 'overwrite'
        ? await findExisting(references, deps, ecrPlans, builder === 'buildx', copier)
        : new Map<string, string>();
    if (existing.size && settings.ifTagExists === 'fail') {
      throw new ActionError(
        `${[...existing.keys()].join(', ')} already exist${existing.size === 1 ? 's' : ''}; nothing was built or pushed (if-tag-exists: fail). Use a new tag, or if-tag-exists: skip or overwrite.`,
        'tag-exists',
      );
    }
    const toPush = references.filter((r) => !existing.has(r.reference));
    const result: PublishResult = {
      builder,
      imageId: '',
      digest: '',
      references: references
        .filter((r) => existing.has(r.reference))
        .map((r) => outcome(r, 'skipped', existing.get(r.reference))),
      createdRepositories,
      buildMs: 0,
      ...(source ? { promotedFrom: source.reference } : {}),
    };
    if (settings.build.push && !toPush.length) {
      // A re-run against tags already pushed (immutable ones): the image is the one they hold.
      result.digest = result.references[0]?.digest ?? '';
      warnOfDifferentDigests(result.references, deps);
      deps.log(
        `Every reference already exists (if-tag-exists: skip): nothing to build or push; the image is ${result.digest}.`,
      );
      return result;
    }
    if (source && copier) {
      await promote(source, toPush, settings, { ...deps, copier }, result);
      return result;
    }

    const buildOptions = { ...build, tags: (settings.build.push ? toPush : references).map((r) => r.reference) };
    const args = buildCommand(buildOptions, builder, { iidFile, metadataFile });
    const viaBuildx = pushedByBuildx(buildOptions, builder);
    const started = Date.now();
    let attempts = 1;
    await deps.group(`Building with ${builder === 'buildx' ? 'BuildKit (buildx)' : 'the classic builder'}`, () =>
      // A buildx build that pushes is retried as a whole: its layers are cached after the first attempt.
      viaBuildx
        ? withPushRetries(settings, deps, 'the build', (n) => ((attempts = n), cli.build(args)))
        : cli.build(args),
    );
    result.buildMs = Date.now() - started;
    result.imageId = (await readFile(iidFile, 'utf8')).trim();

    if (!settings.build.push) {
      result.references.push(...references.map((r) => outcome(r, 'built')));
      return result;
    }
    if (viaBuildx) {
      const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
      const digest = String(metadata['containerimage.digest'] ?? '');
      result.references.push(...toPush.map((r) => outcome(r, 'pushed', digest, attempts)));
    } else {
      await deps.group(`Pushing ${toPush.length} reference${toPush.length === 1 ? '' : 's'}`, async () => {
        for (const r of toPush) {
          let tries = 0;
          const digest = await withPushRetries(
            settings,
            deps,
            r.reference,
            (n) => ((tries = n), cli.push(r.reference)),
          );
          result.references.push(outcome(r, 'pushed', digest, tries));
        }
      });
    }
    result.digest = result.references.find((r) => r.status === 'pushed')?.digest ?? '';
    return result;
  } finally {
    await files.removeAll();
  }
}

interface Reference {
  image: ImageName;
  tag: string;
  reference: string;
}

function outcome(r: Reference, status: ReferenceStatus, digest = '', attempts = 0): PublishedReference {
  return { image: r.image.name, tag: r.tag, reference: r.reference, status, digest, attempts };
}

async function loginAll(
  plans: readonly LoginPlan[],
  deps: PublishDeps,
  ecrPlans: Map<string, Extract<LoginPlan, { method: 'ecr' }>>,
): Promise<void> {
  for (const plan of plans) {
    let credentials: RegistryCredentials | undefined;
    let host = plan.host;
    if (plan.method === 'password') credentials = plan.credentials;
    if (plan.method === 'ecr') {
      const answer = await deps.ecr.login(plan);
      credentials = { username: answer.username, password: answer.password };
      if (plan.account) host = answer.host || plan.host;
      else ecrPlans.set(plan.host, plan);
    }
    if (plan.method === 'ecr-public') credentials = await deps.ecr.publicLogin();
    if (!credentials) {
      deps.log(`${plan.host}: no credentials given; using the runner's own Docker configuration.`);
      continue;
    }
    deps.mask(credentials.password);
    await deps.cli.login(host, credentials);
    deps.log(
      `${host}: logged in as ${credentials.username} (${plan.method === 'password' ? 'password' : plan.method.toUpperCase()}${plan.method === 'ecr' && plan.account ? `, account ${plan.accountId}, for the build's base images` : ''})`,
    );
  }
}

async function ensureRepositories(
  settings: PublishSettings,
  deps: PublishDeps,
  ecrPlans: Map<string, Extract<LoginPlan, { method: 'ecr' }>>,
): Promise<string[]> {
  const created: string[] = [];
  for (const image of settings.images) {
    const plan = ecrPlans.get(image.registry);
    if (!plan) continue;
    if ((await deps.ecr.ensureRepository(plan, image.repository, settings.ecr)) === 'created') {
      deps.log(`Created ECR repository ${image.repository} in ${plan.accountId}/${plan.region}.`);
      created.push(image.name);
    }
  }
  return created;
}

/** The references the registries already hold, each with the digest it holds. */
async function findExisting(
  references: readonly Reference[],
  deps: PublishDeps,
  ecrPlans: Map<string, Extract<LoginPlan, { method: 'ecr' }>>,
  buildx: boolean,
  copier: ImageCopier | undefined,
): Promise<Map<string, string>> {
  const existing = new Map<string, string>();
  for (const { image, tag, reference } of references) {
    const plan = ecrPlans.get(image.registry);
    const loopback = isLoopback(image.registry);
    // A promoted image is often a manifest list, whose own digest skopeo reads without buildx.
    const digest = plan
      ? await deps.ecr.tagDigest(plan, image.repository, tag)
      : copier
        ? await copier.digest(reference, loopback)
        : await deps.cli.manifestDigest(reference, { loopback, buildx });
    if (digest) {
      existing.set(reference, digest);
      deps.log(`${reference} already exists (${digest}).`);
    }
  }
  return existing;
}

/**
 * Copies the source image to each reference, with the push retries; every
 * copy must hold the source's digest (skopeo's --preserve-digests refuses
 * otherwise), which is then the `digest` output.
 */
async function promote(
  source: DigestReference,
  toPush: readonly Reference[],
  settings: PublishSettings,
  deps: PublishDeps & { copier: ImageCopier },
  result: PublishResult,
): Promise<void> {
  const digestFile = path.join(deps.workDir, 'copied-digest');
  await deps.group(
    `Copying ${source.reference} to ${toPush.length} reference${toPush.length === 1 ? '' : 's'} (no build)`,
    async () => {
      for (const r of toPush) {
        let tries = 0;
        const digest = await withPushRetries(settings, deps, r.reference, (n) => {
          tries = n;
          return deps.copier.copy(source.reference, r.reference, {
            sourceInsecure: isLoopback(source.image.registry),
            destinationInsecure: isLoopback(r.image.registry),
            digestFile,
          });
        });
        if (digest !== source.digest) {
          throw new ActionError(
            `${r.reference} got the digest ${digest}, not the source's ${source.digest}: the registry changed the image on the way.`,
            'push-failed',
          );
        }
        result.references.push(outcome(r, 'pushed', digest, tries));
      }
    },
  );
  result.digest = source.digest;
}

/** Tags of one image that hold different images: the digest output is the first one's, as the log says. */
function warnOfDifferentDigests(references: readonly PublishedReference[], deps: PublishDeps): void {
  for (const image of new Set(references.map((r) => r.image))) {
    const ofImage = references.filter((r) => r.image === image);
    if (new Set(ofImage.map((r) => r.digest)).size > 1) {
      (deps.warn ?? deps.log)(
        `The existing tags of ${image} hold different images (${ofImage.map((r) => `${r.tag}: ${r.digest}`).join(', ')}); the digest output is ${ofImage[0]!.tag}'s.`,
      );
    }
  }
}

function withPushRetries<T>(
  settings: PublishSettings,
  deps: PublishDeps,
  what: string,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  return retry(attempt, {
    ...settings.retry,
    shouldRetry: (error) =>
      error instanceof PushError
        ? isTransientPushError(error.output)
        : error instanceof ActionError && error.reason === 'build-failed' && isTransientPushError(error.message),
    onRetry: (error, n) =>
      deps.log(
        `Attempt ${n} for ${what} failed with a transient error; retrying. (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      ),
  }).catch((error: unknown) => {
    if (error instanceof PushError && /immutable/i.test(error.output)) {
      throw new ActionError(
        `${error.message}\nThe repository's tags are immutable: set if-tag-exists: skip to leave existing tags as they are.`,
        'push-failed',
      );
    }
    throw error;
  });
}

/** The engine allows plain HTTP to loopback registries only; we ask the same of lookups. */
function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
