import { ociLabels } from '../oci-labels.ts';
import { computeAnnotations, DEFAULT_ANNOTATION_LEVELS } from './annotations.ts';
import type { GitContext } from './context.ts';
import { parseFlavor } from './flavor.ts';
import { enabledImages, parseImages, type ImageInput } from './image.ts';
import { keyValueLines } from './input-lines.ts';
import { parseTagRules } from './tag.ts';
import { computeTags } from './tags.ts';

// Everything metadata-action computes, from its inputs and the run's context:
// pure, data in and data out.

/** The inputs in metadata-action's syntax, as written. */
export interface MetadataInputs {
  images: string;
  tags: string;
  flavor: string;
  labels: string;
  annotations: string;
}

export interface Metadata {
  /** The main version ('' when no rule made a tag). */
  version: string;
  /** The enabled images, each with the user's spelling for outputs. */
  images: ImageInput[];
  /** Tag names without images, main version first. */
  tags: string[];
  /** `image:tag` for each enabled image and tag, in the user's spelling of the image (`user/app:1.2.3`). */
  references: string[];
  labels: Record<string, string>;
  /** `level:key=value`, as buildx's `--annotation` takes them; levels from DOCKER_METADATA_ANNOTATIONS_LEVELS. */
  annotations: string[];
  /** Rules that made no tag, lines skipped, formats ignored: each a warning to show. */
  warnings: string[];
}

export function computeMetadata(
  inputs: MetadataInputs,
  context: GitContext,
  annotationLevels: readonly string[] = DEFAULT_ANNOTATION_LEVELS,
): Metadata {
  const warnings: string[] = [];
  const images = enabledImages(parseImages(inputs.images));
  if (!images.length) {
    warnings.push('Every image of `images` has enable=false: the image is built (or checked) and pushed nowhere.');
  }
  const rules = parseTagRules(inputs.tags, warnings);
  const flavor = parseFlavor(inputs.flavor, warnings);
  const computed = computeTags(rules, flavor, context);
  warnings.push(...computed.warnings);
  const pairs = (name: string, text: string) =>
    Object.fromEntries(keyValueLines(name, text, warnings).map(({ key, value }) => [key, value]));
  const labels = ociLabels(context, computed.version, pairs('labels', inputs.labels), { warnings });
  const annotations = computeAnnotations(
    context,
    computed.version,
    pairs('annotations', inputs.annotations),
    annotationLevels,
    warnings,
  );
  return {
    version: computed.version,
    images,
    tags: computed.tags,
    references: images.flatMap((image) => computed.tags.map((tag) => `${image.spelling}:${tag}`)),
    labels,
    annotations,
    warnings: [...new Set(warnings)],
  };
}
