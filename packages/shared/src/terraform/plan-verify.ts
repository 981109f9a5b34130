import { ActionError } from '../action/action-error.ts';
import { formatDuration } from '../util/duration.ts';
import { normalizeDirectory } from '../github/plan-artifact.ts';
import type { PlanBundleMetadata, PlanTool } from './plan-bundle.ts';
import type { ConfigComparison, SavedPlan } from './plan-file.ts';
import type { PlanRun } from './plan-locate.ts';
import { satisfiesConstraint } from './release-index.ts';

// What tf-apply checks before it runs anything: that the bundle it holds is
// the plan that was reviewed, for this stack, this commit, recently. Each
// refusal has its own failure reason, so that a workflow can tell a tampered
// artifact from a plan that merely expired.
//
// What is believed: metadata.json only when plan-encryption-key
// authenticated it (its MAC). Otherwise each of its fields is a claim,
// checked against what does not come from it — the saved plan's own record
// (workspace, version, timestamp, configuration snapshot), the run GitHub
// says uploaded the artifact (its commit), the digest of the plan's JSON —
// and a claim that disagrees is tampering. The digest is checked once more
// after init, from `terraform show -json` of the very plan file applied.

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
  /** The pull request's plan comment for this stack: the digest it showed the reviewers, and for which commit. */
  reviewedComment?: { digest?: string; commitSha: string; pullRequest: number };
  now: Date;
}

/** What tf-apply knows about the bundle from elsewhere than its metadata.json. */
export interface PlanEvidence {
  /** plan-encryption-key authenticated metadata.json and every file hash (the bundle's MAC). */
  authenticated: boolean;
  /** What the saved plan file records about itself; undefined when it is not in a format that can be read. */
  savedPlan?: Pick<SavedPlan, 'workspace' | 'version' | 'timestamp'>;
  /** The plan's configuration snapshot against the checkout; undefined when not compared. */
  config?: ConfigComparison;
  /** The run that uploaded the artifact, as GitHub knows it; undefined for a `plan-dir` bundle. */
  run?: PlanRun;
  /** The digest of the bundle's plan.json (after decryption). */
  jsonDigest: string;
}

/** One check that passed, for the job summary. */
export interface PassedCheck {
  check: string;
  detail: string;
}

export interface VerifiedBundle {
  passed: PassedCheck[];
  /** The digest the plan applied must have (recomputed from the plan file after init). */
  reviewedDigest: string;
  /** Where that digest comes from, for people. */
  reviewedBy: string;
  /** The commit the plan was made for, as far as it can be known. */
  commitSha: string;
  /** The version that made the plan: the one to install. */
  toolVersion: string;
}

/**
 * Checks a bundle (its metadata, the problems readPlanBundle found, and the
 * evidence gathered without Terraform) against what is being applied.
 * Returns the checks that passed and the reviewed digest; throws an
 * ActionError at the first that fails: `plan-tampered`, `plan-mismatch`,
 * `plan-stale`, `plan-expired`, `plan-changed` or `plan-not-reviewed`.
 */
export function verifyPlanBundle(
  metadata: PlanBundleMetadata,
  problems: readonly string[],
  evidence: PlanEvidence,
  expected: ApplyExpectations,
): VerifiedBundle {
  const passed: PassedCheck[] = [checkIntact(metadata, problems)];
  if (evidence.authenticated) {
    passed.push({
      check: 'Authenticated',
      detail: 'the MAC over metadata.json and every file hash, with plan-encryption-key',
    });
  }

  const saved = evidence.savedPlan;
  const claims = contradictions(metadata, evidence);
  if (claims.length) {
    throw new ActionError(
      `The plan bundle's metadata.json contradicts the plan it holds, so it was altered: ${claims.join('; ')}. It is not the plan that was reviewed: plan again.`,
      'plan-tampered',
    );
  }
  if (saved) {
    passed.push({
      check: 'Plan file',
      detail: `read from the saved plan itself: workspace \`${saved.workspace ?? '?'}\` · version ${saved.version ?? '?'}${saved.timestamp ? ` · made ${saved.timestamp}` : ''}`,
    });
  }

  const workspace = saved?.workspace ?? metadata.workspace;
  const version = saved?.version ?? metadata.toolVersion;
  const repository = evidence.run?.repository ?? metadata.repository;
  const mismatches = [
    repository !== expected.repository && `repository ${repository}, not ${expected.repository}`,
    normalizeDirectory(metadata.workingDirectory) !== normalizeDirectory(expected.workingDirectory) &&
      `working directory \`${metadata.workingDirectory}\`, not \`${expected.workingDirectory}\``,
    workspace !== expected.workspace && `workspace \`${workspace}\`, not \`${expected.workspace}\``,
    metadata.tool !== expected.tool && `tool ${metadata.tool}, not ${expected.tool}`,
    expected.versionConstraint &&
      !satisfiesConstraint(version, expected.versionConstraint) &&
      `${metadata.tool} ${version}, which does not satisfy version '${expected.versionConstraint}'`,
  ].filter((m): m is string => Boolean(m));
  if (mismatches.length) {
    throw new ActionError(
      `The plan was made for another stack or tool: ${mismatches.join('; ')}. Check the working-directory, workspace, tool and version inputs against the tf-plan step's.`,
      'plan-mismatch',
    );
  }
  passed.push({
    check: 'Same stack',
    detail: `\`${metadata.workingDirectory}\` · workspace \`${workspace}\` · ${metadata.tool} ${version}`,
  });

  const config = evidence.config;
  if (config?.differences.length) {
    const shown = config.differences.slice(0, 5).join(' ');
    const more = config.differences.length > 5 ? ` (and ${config.differences.length - 5} more)` : '';
    throw new ActionError(
      `The plan was made from other configuration than this checkout's \`${expected.workingDirectory}\`: ${shown}${more} It was made for another commit or directory: plan this commit again and have it reviewed.`,
      'plan-stale',
    );
  }
  if (config) {
    const skipped = config.skipped ? `; ${config.skipped} downloaded by init, not compared` : '';
    passed.push({
      check: 'Same configuration',
      detail: `the plan's configuration snapshot equals the checkout (${config.compared} module${config.compared === 1 ? '' : 's'}${skipped})`,
    });
  }

  const commitSha = evidence.run?.headSha ?? metadata.commitSha;
  const from = evidence.run ? ` (${evidence.run.name})` : '';
  const merged = expected.mergedPullRequest;
  if (commitSha === expected.commitSha) {
    passed.push({ check: 'Same commit', detail: `\`${short(commitSha)}\`${from}, the commit being applied` });
  } else if (merged && commitSha === merged.headSha) {
    passed.push({
      check: 'Same commit',
      detail: `\`${short(commitSha)}\`${from}, the head of #${merged.number}, merged as \`${short(expected.commitSha)}\``,
    });
  } else {
    const accepted = merged
      ? `the commit being applied (\`${short(expected.commitSha)}\`) or the head of #${merged.number} it merged (\`${short(merged.headSha)}\`)`
      : `the commit being applied (\`${short(expected.commitSha)}\`)`;
    throw new ActionError(
      `The plan is stale: it was made for commit \`${short(commitSha)}\`${from}, not ${accepted}. Plan this commit again and have it reviewed.`,
      'plan-stale',
    );
  }

  const madeAt = saved?.timestamp ?? metadata.createdAt;
  const created = Date.parse(madeAt);
  const age = expected.now.getTime() - created;
  if (Number.isNaN(created) || age > expected.maxAgeMs) {
    throw new ActionError(
      `The plan expired: it was made ${Number.isNaN(created) ? 'at an unknown time' : `${formatDuration(age)} ago (${madeAt})`}, more than max-plan-age (${formatDuration(expected.maxAgeMs)}) ago. Plan again: the infrastructure may have changed since.`,
      'plan-expired',
    );
  }
  passed.push({ check: 'Recent', detail: `made ${formatDuration(Math.max(0, age))} ago` });

  const reviewed = reviewedDigests(metadata, evidence, expected, commitSha);
  if (!reviewed.length) {
    throw new ActionError(
      "No reviewed digest is known for this plan, so nothing proves it is the plan that was reviewed: set `plan-digest` to the tf-plan step's `plan-digest` output, set `plan-encryption-key` (the bundle is then authenticated and carries the digest tf-plan showed), or apply from a pull request whose plan comment shows the plan. Nothing was applied.",
      'plan-not-reviewed',
    );
  }
  for (const { digest, from: source } of reviewed) {
    if (digest !== evidence.jsonDigest) {
      throw new ActionError(
        `The plan changed: ${source} approved plan \`${short(digest, 12)}\`, and the artifact holds plan \`${short(evidence.jsonDigest, 12)}\`. Review the new plan before applying it.`,
        'plan-changed',
      );
    }
    passed.push({ check: 'Approved digest', detail: `\`${short(digest, 12)}\` equals ${source}` });
  }
  return {
    passed,
    reviewedDigest: evidence.jsonDigest,
    reviewedBy: reviewed.map((r) => r.from).join(' and '),
    commitSha,
    toolVersion: version,
  };
}

/** The files against metadata.json's hashes (the problems readPlanBundle found): ActionError `plan-tampered`. */
export function checkIntact(metadata: PlanBundleMetadata, problems: readonly string[]): PassedCheck {
  if (problems.length) {
    throw new ActionError(
      `The plan bundle does not match its metadata.json, so it is not the plan that was reviewed: ${problems.join(' ')} Plan again.`,
      'plan-tampered',
    );
  }
  return { check: 'Files intact', detail: `SHA-256 of ${Object.keys(metadata.files).length} files` };
}

/**
 * The plan-digest input, the pull request's plan comment for the plan's
 * commit, and — only when nothing else says — the digest of an authenticated
 * bundle, which tf-plan showed when it made it.
 */
function reviewedDigests(
  metadata: PlanBundleMetadata,
  evidence: PlanEvidence,
  expected: ApplyExpectations,
  commitSha: string,
): { digest: string; from: string }[] {
  const reviewed: { digest: string; from: string }[] = [];
  if (expected.expectedDigest) reviewed.push({ digest: expected.expectedDigest, from: 'the plan-digest input' });
  const comment = expected.reviewedComment;
  if (comment?.digest && comment.commitSha === commitSha) {
    reviewed.push({ digest: comment.digest, from: `the plan comment on #${comment.pullRequest}` });
  }
  if (!reviewed.length && evidence.authenticated) {
    reviewed.push({ digest: metadata.planDigest, from: 'the authenticated plan bundle (the digest tf-plan recorded)' });
  }
  return reviewed;
}

/** Where metadata.json says other than the plan, its JSON or GitHub. */
function contradictions(metadata: PlanBundleMetadata, evidence: PlanEvidence): string[] {
  const saved = evidence.savedPlan;
  const run = evidence.run;
  const found: (string | false | undefined)[] = [
    metadata.planDigest !== evidence.jsonDigest &&
      `it records digest \`${short(metadata.planDigest, 12)}\`, and plan.json has \`${short(evidence.jsonDigest, 12)}\``,
    saved?.workspace !== undefined &&
      saved.workspace !== metadata.workspace &&
      `it records workspace \`${metadata.workspace}\`, and the saved plan is for workspace \`${saved.workspace}\``,
    saved?.version !== undefined &&
      saved.version !== metadata.toolVersion &&
      `it records version ${metadata.toolVersion}, and the saved plan was made by ${saved.version}`,
    saved?.timestamp !== undefined &&
      !sameSecond(saved.timestamp, metadata.createdAt) &&
      `it records the plan made at ${metadata.createdAt}, and the saved plan was made at ${saved.timestamp}`,
    run !== undefined &&
      run.headSha !== metadata.commitSha &&
      `it records commit \`${short(metadata.commitSha)}\`, and ${run.name} ran for \`${short(run.headSha)}\``,
    run !== undefined &&
      run.repository !== metadata.repository &&
      `it records repository ${metadata.repository}, and ${run.name} is in ${run.repository}`,
  ];
  return found.filter((c): c is string => Boolean(c));
}

// The plan's timestamp has whole seconds; tf-plan records it as an ISO date.
function sameSecond(a: string, b: string): boolean {
  const x = Date.parse(a);
  const y = Date.parse(b);
  return !Number.isNaN(x) && !Number.isNaN(y) && Math.floor(x / 1000) === Math.floor(y / 1000);
}

function short(sha: string, length = 7): string {
  return sha.slice(0, length);
}
