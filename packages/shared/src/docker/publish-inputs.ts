import path from 'node:path';
import { ActionError, invalidInput } from '../action/action-error.ts';
import {
  readBoolean,
  readChoice,
  readDuration,
  readInput,
  readInteger,
  readKeyValues,
  readList,
  readPath,
  readSecret,
  readString,
  readUntrimmed,
  repositoryRoot,
  resolvePathInput,
} from '../action/inputs.ts';
import { maskSecret } from '../action/mask.ts';
import { readRunContext } from '../github/run-context.ts';
import { checkBuildInputs } from './build-command.ts';
import { parseDigestReference } from './image-reference.ts';
import type { GitContext } from './metadata/context.ts';
import { completeContext, runLookups, type ContextLookups } from './metadata/context-lookups.ts';
import { readMetadataEnvironment } from './metadata/environment.ts';
import { usesCommitDate } from './metadata/expressions.ts';
import { computeMetadata, type Metadata, type MetadataInputs } from './metadata/meta.ts';
import type { Separators } from './metadata/outputs.ts';
import type { PublishSettings } from './publish.ts';
import { parseEcrAccountIds, parseRegistries, planLogins } from './registry-logins.ts';

export interface PublishInputs {
  settings: PublishSettings;
  version: string;
  /** What the tag engine computed: tags, the user's spelling of each reference, labels, annotations. */
  metadata: Metadata;
  /** sep-tags, sep-labels, sep-annotations. */
  separators: Separators;
  /** Rules that produced nothing, lines skipped, lookups that failed: each worth a warning. */
  warnings: string[];
}

/**
 * Reads and checks every docker-publish input; secrets are masked first. Any
 * mistake is one invalid-input error, before a login or a build.
 */
export async function readPublishInputs(
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
  lookups: ContextLookups = runLookups({
    token: readSecret('github-token'),
    repository: env.GITHUB_REPOSITORY ?? '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    env,
  }),
): Promise<PublishInputs> {
  const password = readInput('registry-password');
  maskSecret(password);
  const registries = parseRegistries(readInput('registries'), maskSecret);
  // Each line of `secrets` too, before it is parsed: a multi-line value pasted
  // there (a key) is lines that are not ID=VALUE.
  maskSecret(readInput('secrets'));
  const secrets = readKeyValues('secrets');
  Object.values(secrets).forEach(maskSecret);

  const metadataInputs: MetadataInputs = {
    images: readInput('images'),
    tags: readInput('tags'),
    flavor: readInput('flavor'),
    labels: readInput('labels'),
    annotations: readInput('annotations'),
  };
  const metadataEnv = readMetadataEnvironment(env);
  const git = gitContext(env, now, metadataEnv);
  // Every metadata input is checked on the payload alone; the lookups
  // (commit date, repository) wait until every input has been checked.
  const checked = computeMetadata(metadataInputs, git, metadataEnv.annotationLevels);
  const images = checked.images.map((image) => image.name);

  const source = readInput('source-image')
    ? parseDigestReference(readInput('source-image'), 'source-image')
    : undefined;
  if (source) refuseBuildInputs();
  const context = readPath('context', 'directory', '.');
  const build: PublishSettings['build'] = {
    context,
    // A promotion (source-image) builds nothing: no Dockerfile is needed.
    file: source ? '' : dockerfile(context),
    target: readString('target'),
    buildArgs: readKeyValues('build-args'),
    platforms: readList('platforms').flatMap((line) =>
      line
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
    cacheFrom: readList('cache-from'),
    cacheTo: readList('cache-to'),
    provenance: readString('provenance'),
    push: readBoolean('push', true),
    load: readBoolean('load', false),
    noCache: readBoolean('no-cache', false),
    pull: readBoolean('pull', false),
    annotations: checked.annotations,
  };
  checkBuildInputs(build, { labels: checked.labels, secretIds: Object.keys(secrets) });
  const logins = planLogins(
    images.map((image) => image.registry),
    {
      registries,
      username: readString('registry-username'),
      password,
      pullHosts: source ? [source.image.registry] : [],
      ecrAccountIds: parseEcrAccountIds(readInput('ecr-account-ids')),
      awsRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || '',
    },
  );
  const ifTagExists = readChoice('if-tag-exists', ['overwrite', 'skip', 'fail'], 'overwrite');
  const ecr: PublishSettings['ecr'] = {
    createRepository: readBoolean('ecr-create-repository', false),
    scanOnPush: readBoolean('ecr-scan-on-push', true),
    tagImmutability:
      readChoice('ecr-tag-immutability', ['mutable', 'immutable'], 'mutable') === 'immutable' ? 'IMMUTABLE' : 'MUTABLE',
  };
  const retry = {
    attempts: readInteger('push-attempts', 4, { min: 1, max: 20 }),
    firstDelayMs: readDuration('push-retry-delay', '2s'),
    maxDelayMs: 60_000,
  };

  const lookupWarnings: string[] = [];
  const completed = await completeContext(git, lookups, {
    needsCommitDate: usesCommitDate(...Object.values(metadataInputs)),
    warn: (message) => lookupWarnings.push(message),
  });
  const metadata = computeMetadata(metadataInputs, completed, metadataEnv.annotationLevels);
  const settings: PublishSettings = {
    images,
    tags: metadata.tags,
    labels: metadata.labels,
    logins,
    build: { ...build, annotations: metadata.annotations },
    secrets,
    ifTagExists,
    ecr,
    retry,
    ...(source ? { source } : {}),
  };
  const separators = {
    tags: separator('sep-tags'),
    labels: separator('sep-labels'),
    annotations: separator('sep-annotations'),
  };
  return {
    settings,
    version: metadata.version,
    metadata,
    separators,
    warnings: [...lookupWarnings, ...metadata.warnings],
  };
}

// Inputs of the build, which a promotion (source-image) does not run.
const BUILD_INPUTS = ['file', 'target', 'build-args', 'platforms', 'cache-from', 'cache-to', 'provenance', 'secrets'];
const BUILD_SWITCHES = ['load', 'no-cache', 'pull'];

function refuseBuildInputs(): void {
  const given = BUILD_INPUTS.find((name) => readInput(name)) ?? BUILD_SWITCHES.find((name) => readBoolean(name, false));
  if (given) {
    throw invalidInput(
      given,
      'configures the build, and source-image copies an existing image without building: remove one of the two.',
    );
  }
}

/**
 * The `file` input, inside the repository; unset, the context's Dockerfile,
 * which must be there too (and not a link out of the repository: a build
 * error quotes the Dockerfile's lines). '' leaves docker's default.
 */
function dockerfile(context: string): string {
  const given = readInput('file');
  if (given) return resolvePathInput('file', given, 'file');
  const relative = path.relative(repositoryRoot().dir, context) || '.';
  for (const name of ['Dockerfile', 'dockerfile']) {
    try {
      resolvePathInput('file', path.join(relative, name), 'file');
      return '';
    } catch (error) {
      if (!(error instanceof ActionError) || !/does not exist/.test(error.message)) throw error;
    }
  }
  throw invalidInput(
    'file',
    `is unset, and the context '${readInput('context') || '.'}' has no Dockerfile: add one, or set file to the Dockerfile's path.`,
  );
}

function gitContext(
  env: NodeJS.ProcessEnv,
  now: Date,
  metadataEnv: ReturnType<typeof readMetadataEnvironment>,
): GitContext {
  const run = readRunContext(env);
  return {
    eventName: run.eventName,
    ref: run.ref,
    // GITHUB_SHA, not the pull request's head: type=sha tags as metadata-action does.
    sha: env.GITHUB_SHA ?? '',
    payload: run.payload,
    now,
    prHeadSha: metadataEnv.prHeadSha,
    shortShaLength: metadataEnv.shortShaLength,
  };
}

/** A separator input, untrimmed as metadata-action reads it (a space is a separator); unset, a newline. */
function separator(name: string): string {
  return readUntrimmed(name) || '\n';
}
