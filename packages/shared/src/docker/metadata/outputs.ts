import type { ImageInput } from './image.ts';

// The outputs metadata-action gives, in its formats: `tags`, `labels` and
// `annotations` joined by their separators, and `json`.

export interface Separators {
  /** Between the references of `tags`; default newline. */
  tags: string;
  /** Between the `key=value` of `labels`; default newline. */
  labels: string;
  /** Between the annotations; default newline. */
  annotations: string;
}

export const DEFAULT_SEPARATORS: Separators = { tags: '\n', labels: '\n', annotations: '\n' };

/**
 * The image as the user wrote it (`user/app`), given its canonical name
 * (`docker.io/user/app`); the canonical name when no input image has it.
 */
export function spelledImage(images: readonly ImageInput[], canonical: string): string {
  return images.find((image) => image.name.name === canonical)?.spelling ?? canonical;
}

export function metadataOutputs(
  references: readonly string[],
  labels: Record<string, string>,
  annotations: readonly string[],
  separators: Separators = DEFAULT_SEPARATORS,
): { tags: string; labels: string; annotations: string; json: string } {
  const labelLines = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  return {
    tags: references.join(separators.tags),
    labels: labelLines.join(separators.labels),
    annotations: annotations.join(separators.annotations),
    json: JSON.stringify({ tags: references, labels, annotations }, null, 2),
  };
}
