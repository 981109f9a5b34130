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
  readString,
  repositoryRoot,
  resolvePathInput,
} from '../action/inputs.ts';
import { maskSecret } from '../action/mask.ts';
import { readRunContext } from '../github/run-context.ts';
import { checkBuildInputs } from './build-command.ts';
import { parseImageName } from './image-reference.ts';
import { ociLabels } from './oci-labels.ts';
import type { PublishSettings } from './publish.ts';
import { parseRegistries, planLogins } from './registry-logins.ts';
import { computeTags, parseFlavor, parseTagRules, type GitContext } from './tag-engine.ts';

export interface PublishInputs {
  settings: PublishSettings;
  version: string;
  /** Rules that produced nothing for a reason worth a warning. */
  warnings: string[];
}

/**
 * Reads and checks every docker-publish input; secrets are masked first. Any
 * mistake is one invalid-input error, before a login or a build.
 */
export function readPublishInputs(env: NodeJS.ProcessEnv = process.env, now = new Date()): PublishInputs {
  const password = readInput('registry-password');
  maskSecret(password);
  const registries = parseRegistries(readInput('registries'), maskSecret);
  // Each line of `secrets` too, before it is parsed: a multi-line value pasted
  // there (a key) is lines that are not ID=VALUE.
  maskSecret(readInput('secrets'));
  const secrets = readKeyValues('secrets');
  Object.values(secrets).forEach(maskSecret);

  const imageLines = readList('images');
  if (!imageLines.length) throw invalidInput('images', 'is empty; give one image name per line, e.g. ghcr.io/org/app');
  const images = imageLines.map((line) => parseImageName(line, 'images'));

  const git = gitContext(env, now);
  const computed = computeTags(parseTagRules(readInput('tags')), parseFlavor(readInput('flavor')), git);
  const labels = ociLabels(git, computed.version, readKeyValues('labels'));

  const context = readPath('context', 'directory', '.');
  const build: PublishSettings['build'] = {
    context,
    file: dockerfile(context),
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
  };
  checkBuildInputs(build, { labels, secretIds: Object.keys(secrets) });

  const settings: PublishSettings = {
    images,
    tags: computed.tags,
    labels,
    logins: planLogins(
      images.map((image) => image.registry),
      { registries, username: readString('registry-username'), password },
    ),
    build,
    secrets,
    ifTagExists: readChoice('if-tag-exists', ['overwrite', 'skip', 'fail'], 'overwrite'),
    ecr: {
      createRepository: readBoolean('ecr-create-repository', false),
      scanOnPush: readBoolean('ecr-scan-on-push', true),
      tagImmutability:
        readChoice('ecr-tag-immutability', ['mutable', 'immutable'], 'mutable') === 'immutable'
          ? 'IMMUTABLE'
          : 'MUTABLE',
    },
    retry: {
      attempts: readInteger('push-attempts', 4, { min: 1, max: 20 }),
      firstDelayMs: readDuration('push-retry-delay', '2s'),
      maxDelayMs: 60_000,
    },
  };
  return { settings, version: computed.version, warnings: computed.warnings };
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

function gitContext(env: NodeJS.ProcessEnv, now: Date): GitContext {
  const run = readRunContext(env);
  return {
    eventName: run.eventName,
    ref: run.ref,
    // GITHUB_SHA, not the pull request's head: type=sha tags as metadata-action does.
    sha: env.GITHUB_SHA ?? '',
    payload: run.payload,
    now,
    prHeadSha: env.DOCKER_METADATA_PR_HEAD_SHA === 'true',
  };
}
