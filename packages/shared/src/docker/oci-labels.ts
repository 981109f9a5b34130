import { invalidInput } from '../action/action-error.ts';
import { isRecord } from '../util/values.ts';
import { globalExpressionProblem, renderGlobalExpressions, resolveGitContext, type GitContext } from './tag-engine.ts';

// The OCI image labels docker/metadata-action sets, from the repository in the
// event payload, with the user's `labels` input winning by key.

const OCI = 'org.opencontainers.image';

/**
 * title, description, url, source, version, created, revision and licenses,
 * then the overrides (whose values may use the global expressions of `tags`),
 * sorted by key as metadata-action sorts them.
 */
export function ociLabels(
  context: GitContext,
  version: string,
  overrides: Record<string, string>,
): Record<string, string> {
  const resolved = resolveGitContext(context);
  const repository = isRecord(resolved.payload.repository) ? resolved.payload.repository : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const license = isRecord(repository.license) ? text(repository.license.spdx_id) : '';
  const labels: Record<string, string> = {
    [`${OCI}.title`]: text(repository.name),
    [`${OCI}.description`]: text(repository.description),
    [`${OCI}.url`]: text(repository.html_url),
    [`${OCI}.source`]: text(repository.html_url),
    [`${OCI}.version`]: version,
    [`${OCI}.created`]: resolved.now.toISOString(),
    [`${OCI}.revision`]: resolved.sha,
    [`${OCI}.licenses`]: license,
  };
  for (const [key, value] of Object.entries(overrides)) {
    const problem = globalExpressionProblem(value);
    if (problem)
      throw invalidInput('labels', `has ${problem} in the value of ${key}; use the expressions of \`tags\`.`);
    labels[key] = renderGlobalExpressions(value, resolved);
  }
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
