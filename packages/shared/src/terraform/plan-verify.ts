import { ActionError } from '../action/action-error.ts';
import { formatDuration } from '../util/duration.ts';
import { normalizeDirectory } from '../github/plan-artifact.ts';
import type { PlanBundleMetadata, PlanTool } from './plan-bundle.ts';
import { satisfiesConstraint } from './release-index.ts';

// What tf-apply checks before it runs anything: that the bundle it holds is
// the plan that was reviewed, for this stack, this commit, recently. Each
// refusal has its own failure reason, so that a workflow can tell a tampered
// artifact from a plan that merely expired.

export interface ApplyExpectations {
  workingDirectory: string;
  workspace: string;
  tool: PlanTool;
  /** The `version` input: a version or constraint the plan's version must satisfy; empty accepts any. */
  versionConstraint: string;
  repository: string;
  /** The commit being applied (GITHUB_SHA, or the pull request's head on a pull_request event). */
  commitSha: string;
  /** When the commit being applied merged a pull request: that pull request and its head. */
  mergedPullRequest?: { number: number; headSha: string };
  maxAgeMs: number;
  /** The `plan-digest` input: the digest the caller says was approved. */
  expectedDigest?: string;
  /** The digest the pull request's plan comment showed the reviewers for this stack and commit. */
  reviewedDigest?: string;
  now: Date;
}

/** One check that passed, for the job summary. */
export interface PassedCheck {
  check: string;
  detail: string;
}

/**
 * Checks a bundle's metadata (and the problems readPlanBundle found) against
 * what is being applied. Returns the checks that passed; throws an
 * ActionError at the first that fails: `plan-tampered`, `plan-mismatch`,
 * `plan-stale`, `plan-expired` or `plan-changed`.
 */
export function verifyPlanBundle(
  metadata: PlanBundleMetadata,
  problems: readonly string[],
  expected: ApplyExpectations,
): PassedCheck[] {
  const passed: PassedCheck[] = [];
  if (problems.length) {
    throw new ActionError(
      `The plan bundle does not match its metadata.json, so it is not the plan that was reviewed: ${problems.join(' ')} Plan again.`,
      'plan-tampered',
    );
  }
  passed.push({ check: 'Files intact', detail: `SHA-256 of ${Object.keys(metadata.files).length} files` });

  const mismatches = [
    metadata.repository !== expected.repository && `repository ${metadata.repository}, not ${expected.repository}`,
    normalizeDirectory(metadata.workingDirectory) !== normalizeDirectory(expected.workingDirectory) &&
      `working directory \`${metadata.workingDirectory}\`, not \`${expected.workingDirectory}\``,
    metadata.workspace !== expected.workspace && `workspace \`${metadata.workspace}\`, not \`${expected.workspace}\``,
    metadata.tool !== expected.tool && `tool ${metadata.tool}, not ${expected.tool}`,
    expected.versionConstraint &&
      !satisfiesConstraint(metadata.toolVersion, expected.versionConstraint) &&
      `${metadata.tool} ${metadata.toolVersion}, which does not satisfy version '${expected.versionConstraint}'`,
  ].filter((m): m is string => Boolean(m));
  if (mismatches.length) {
    throw new ActionError(
      `The plan was made for another stack or tool: ${mismatches.join('; ')}. Check the working-directory, workspace, tool and version inputs against the tf-plan step's.`,
      'plan-mismatch',
    );
  }
  passed.push({
    check: 'Same stack',
    detail: `\`${metadata.workingDirectory}\` · workspace \`${metadata.workspace}\` · ${metadata.tool} ${metadata.toolVersion}`,
  });

  const merged = expected.mergedPullRequest;
  if (metadata.commitSha === expected.commitSha) {
    passed.push({ check: 'Same commit', detail: `\`${short(metadata.commitSha)}\`, the commit being applied` });
  } else if (merged && metadata.commitSha === merged.headSha) {
    passed.push({
      check: 'Same commit',
      detail: `\`${short(metadata.commitSha)}\`, the head of #${merged.number}, merged as \`${short(expected.commitSha)}\``,
    });
  } else {
    const accepted = merged
      ? `the commit being applied (\`${short(expected.commitSha)}\`) or the head of #${merged.number} it merged (\`${short(merged.headSha)}\`)`
      : `the commit being applied (\`${short(expected.commitSha)}\`)`;
    throw new ActionError(
      `The plan is stale: it was made for commit \`${short(metadata.commitSha)}\`, not ${accepted}. Plan this commit again and have it reviewed.`,
      'plan-stale',
    );
  }

  const created = Date.parse(metadata.createdAt);
  const age = expected.now.getTime() - created;
  if (Number.isNaN(created) || age > expected.maxAgeMs) {
    throw new ActionError(
      `The plan expired: it was made ${Number.isNaN(created) ? 'at an unknown time' : `${formatDuration(age)} ago (${metadata.createdAt})`}, more than max-plan-age (${formatDuration(expected.maxAgeMs)}) ago. Plan again: the infrastructure may have changed since.`,
      'plan-expired',
    );
  }
  passed.push({ check: 'Recent', detail: `made ${formatDuration(Math.max(0, age))} ago` });

  for (const [digest, from] of [
    [expected.expectedDigest, 'the plan-digest input'],
    [expected.reviewedDigest, "the pull request's plan comment"],
  ] as const) {
    if (!digest) continue;
    if (digest !== metadata.planDigest) {
      throw new ActionError(
        `The plan changed: ${from} approved plan \`${short(digest, 12)}\`, and the artifact holds plan \`${short(metadata.planDigest, 12)}\`. Review the new plan before applying it.`,
        'plan-changed',
      );
    }
    passed.push({ check: 'Approved digest', detail: `\`${short(digest, 12)}\` equals ${from}` });
  }
  return passed;
}

function short(sha: string, length = 7): string {
  return sha.slice(0, length);
}
