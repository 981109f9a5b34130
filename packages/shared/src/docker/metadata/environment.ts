import { ActionError } from '../../action/action-error.ts';
import { DEFAULT_ANNOTATION_LEVELS } from './annotations.ts';
import { DEFAULT_SHORT_SHA_LENGTH } from './context.ts';

// metadata-action's environment variables, read from the environment passed in.

export interface MetadataEnvironment {
  /** DOCKER_METADATA_PR_HEAD_SHA: `true` in any case, as metadata-action tests it. */
  prHeadSha: boolean;
  /** DOCKER_METADATA_SHORT_SHA_LENGTH, default 7. */
  shortShaLength: number;
  /** DOCKER_METADATA_ANNOTATIONS_LEVELS, comma-separated; default `manifest`. */
  annotationLevels: string[];
}

// buildx's annotation levels, with an optional platform: `manifest[linux/amd64]`.
const LEVEL = /^(?:manifest|index|manifest-descriptor|index-descriptor)(?:\[[^\]]+\])?$/;

export function readMetadataEnvironment(env: NodeJS.ProcessEnv): MetadataEnvironment {
  const lengthText = env.DOCKER_METADATA_SHORT_SHA_LENGTH?.trim() ?? '';
  if (lengthText && !/^\d+$/.test(lengthText)) {
    throw new ActionError(
      `DOCKER_METADATA_SHORT_SHA_LENGTH is '${lengthText}', not a number; set it to a whole number of characters, e.g. 12.`,
      'invalid-input',
    );
  }
  const levels = (env.DOCKER_METADATA_ANNOTATIONS_LEVELS ?? '')
    .split(',')
    .map((level) => level.trim())
    .filter(Boolean);
  const unknown = levels.find((level) => !LEVEL.test(level));
  if (unknown) {
    throw new ActionError(
      `DOCKER_METADATA_ANNOTATIONS_LEVELS has '${unknown}'; use manifest, index, manifest-descriptor or index-descriptor, comma-separated.`,
      'invalid-input',
    );
  }
  return {
    // metadata-action tests /true/i: `True` and `TRUE` count.
    prHeadSha: /true/i.test(env.DOCKER_METADATA_PR_HEAD_SHA ?? ''),
    shortShaLength: lengthText ? Number(lengthText) : DEFAULT_SHORT_SHA_LENGTH,
    annotationLevels: levels.length ? levels : [...DEFAULT_ANNOTATION_LEVELS],
  };
}
