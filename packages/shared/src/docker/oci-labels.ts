import { invalidInput } from '../action/action-error.ts';
import { globalScope, resolveGitContext, type GitContext } from './metadata/context.ts';
import { expressionProblem, GLOBAL_NAMES, render } from './metadata/expressions.ts';

// The OCI image labels docker/metadata-action sets, from the repository (the
// event payload's, else the API's), with the user's `labels` input winning by
// key. Annotations are the same keys (metadata/annotations.ts).

const OCI = 'org.opencontainers.image';

/**
 * title, description, url, source, version, created, revision and licenses,
 * then the overrides (whose values may use the global expressions of `tags`),
 * sorted by key as metadata-action sorts them. `inputName` is the input the
 * overrides come from, for messages.
 */
export function ociLabels(
  context: GitContext,
  version: string,
  overrides: Record<string, string>,
  options: { inputName?: string; warnings?: string[] } = {},
): Record<string, string> {
  const inputName = options.inputName ?? 'labels';
  const resolved = resolveGitContext(context);
  const { repository } = resolved;
  const labels: Record<string, string> = {
    [`${OCI}.title`]: repository.name,
    [`${OCI}.description`]: repository.description,
    [`${OCI}.url`]: repository.htmlUrl,
    [`${OCI}.source`]: repository.htmlUrl,
    [`${OCI}.version`]: version,
    [`${OCI}.created`]: resolved.now.toISOString(),
    [`${OCI}.revision`]: resolved.sha,
    [`${OCI}.licenses`]: repository.license,
  };
  const scope = globalScope(resolved);
  for (const [key, value] of Object.entries(overrides)) {
    const problem = expressionProblem(value, GLOBAL_NAMES, options.warnings);
    if (problem)
      throw invalidInput(inputName, `has ${problem} in the value of ${key}; use the expressions of \`tags\`.`);
    labels[key] = render(value, scope);
  }
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
