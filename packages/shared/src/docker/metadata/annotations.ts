import { ociLabels } from '../oci-labels.ts';
import type { GitContext } from './context.ts';

// OCI annotations as metadata-action computes them: the labels' keys and
// values (the `annotations` input in place of `labels`), once per level
// (DOCKER_METADATA_ANNOTATIONS_LEVELS), each written `level:key=value` as
// buildx's `--annotation` takes it.

export const DEFAULT_ANNOTATION_LEVELS: readonly string[] = ['manifest'];

export function computeAnnotations(
  context: GitContext,
  version: string,
  extra: Record<string, string>,
  levels: readonly string[],
  warnings: string[] = [],
): string[] {
  const values = ociLabels(context, version, extra, { inputName: 'annotations', warnings });
  return levels.flatMap((level) => Object.entries(values).map(([key, value]) => `${level}:${key}=${value}`));
}
