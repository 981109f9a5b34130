import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../action/runner-commands.ts';
import { ActionError } from '../action/action-error.ts';
import { appendSummary } from '../action/summary.ts';
import type { GitHubClient } from '../github/octokit.ts';
import { planArtifactName } from '../github/plan-artifact.ts';
import {
  findMergedPullRequest,
  planApprovals,
  type AppliedPullRequest,
  type Approval,
} from '../github/pull-requests.ts';
import type { RunContext } from '../github/run-context.ts';
import { markedComments, type IssueTarget, type PostedComment } from '../github/sticky-comment.ts';
import { renderApplyNote, renderApplySummary, planDifferences, type ApplyReport } from './apply-markdown.ts';
import { applyWithLockRetries } from './apply-lock.ts';
import { locatePlanBundle } from './plan-locate.ts';
import type { TerraformCli } from './cli.ts';
import { authenticatePlanBundle, decryptPlanBundle, readPlanBundle } from './plan-bundle.ts';
import { compareWithCheckout, readSavedPlan } from './plan-file.ts';
import { planDigest } from './plan-digest.ts';
import { renderPlanComment, stackReport } from './plan-markdown.ts';
import { readPlanMarker, restampPlanBody, sameStack, type PlanMarker } from './plan-marker.ts';
import { maskTerraformValue, maskText, registerPlanSecrets } from './plan-mask.ts';
import { summarizePlan } from './plan-summary.ts';
import type { JsonPlan } from './plan-types.ts';
import { checkIntact, verifyPlanBundle } from './plan-verify.ts';
import { backupState } from './state-backup.ts';
import { prepareStack, type StackLocation } from './stack.ts';
import type { TerraformSettings } from './terraform-inputs.ts';
import { publicOutputs } from './terraform-outputs.ts';
import { tfPlanWorkDir } from './tf-plan.ts';

// tf-apply from start to end: find the reviewed plan, verify it, back up the
// state, apply exactly that plan, publish the outputs, and say so in the pull
// request's plan comment and the job summary.

export interface TfApplySettings extends TerraformSettings, StackLocation {
  label: string;
  /** `artifact`: apply the saved plan; `replan-and-compare`: plan again, apply only if it equals the reviewed one. */
  mode: 'artifact' | 'replan-and-compare';
  /** A local plan bundle directory, relative to the repository root; empty: find the artifact. */
  planDir: string;
  /** The run whose artifact holds the plan; undefined: this run, then the merged pull request's. */
  planRunId: number | undefined;
  /** Milliseconds. */
  maxPlanAge: number;
  /** The approved digest, when the caller knows it. */
  planDigest: string;
  encryptionKey: string;
  backupState: boolean;
  requirePrApproval: boolean;
  /** Stamp the pull request's plan comment with the result. */
  comment: boolean;
  maskPatterns: RegExp[];
}

export interface TfApplyDeps {
  context: RunContext;
  /** Absent when there is no token. */
  octokit?: GitHubClient;
  token: string;
  runnerTemp: string;
  /** Values of inputs that must not reach the comment. */
  secrets: string[];
  now?: () => Date;
}

export interface TfApplyResult {
  digest: string;
  outputs: Record<string, unknown>;
  stateBackupArtifact?: string;
}

/** The plan about to be applied, whichever way it was found. */
interface ReadyPlan {
  cli: TerraformCli;
  planFile: string;
  /** The plan's JSON, parsed once: big plans take long to parse. */
  plan: JsonPlan;
  digest: string;
  textPlan?: string;
}

export async function runTfApply(settings: TfApplySettings, deps: TfApplyDeps): Promise<TfApplyResult> {
  const { context } = deps;
  const now = deps.now ?? (() => new Date());
  const workDir = path.join(tfPlanWorkDir(deps.runnerTemp), 'apply');
  const secrets = [...deps.secrets];
  const report: ApplyReport = {
    ...stackReport(settings, context),
    mode: settings.mode,
    checks: [],
    applied: false,
  };
  const repository = { owner: context.owner, repo: context.repo };
  let reviewed: ReviewedComment | undefined;
  try {
    // 0700: the decrypted plan and the state backup hold every secret of the stack.
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const pull = await core.group('Pull request', () =>
      readsFromGitHub(() => appliedPullRequest(context, deps.octokit)),
    );
    if (pull) report.pullRequest = pull.number;
    reviewed =
      pull && deps.octokit
        ? await readsFromGitHub(() =>
            findReviewedComment(deps.octokit!, { ...repository, issueNumber: pull.number }, settings),
          )
        : undefined;

    const ready =
      settings.mode === 'artifact'
        ? await readyFromArtifact(settings, deps, report, { pull, reviewed, workDir, now: now() })
        : await readyByReplanning(settings, deps, report, { pull, reviewed, workDir });
    report.digest = ready.digest;

    secrets.push(...registerPlanSecrets(ready.plan, { patterns: settings.maskPatterns }));
    report.summary = summarizePlan(ready.plan);
    if (ready.textPlan !== undefined) report.planText = maskText(ready.textPlan, secrets);

    if (settings.backupState) {
      report.stateBackupArtifact = await core.group('Back up the state', () =>
        backupState(ready.cli, {
          stack: settings,
          context,
          dir: path.join(workDir, 'state-backup'),
          encryptionKey: settings.encryptionKey,
        }),
      );
    }
    report.applyStarted = true;
    const applied = await core.group('apply', () =>
      applyWithLockRetries(ready.cli, ready.planFile, settings.lockTimeout).catch((error: unknown) => {
        if (!isStalePlan(error)) throw error;
        report.applyStarted = false;
        throw new ActionError(
          `The state changed since the plan was made (${ready.cli.tool}: "Saved plan is stale"): another apply ran in between. Nothing was applied; plan again and have it reviewed.`,
          'plan-stale',
          { cause: error },
        );
      }),
    );
    report.applied = true;
    report.applyLine = /^Apply complete!.*$/m.exec(applied.stdout)?.[0];

    const outputs = publicOutputs(await ready.cli.outputJson());
    outputs.secrets.forEach(maskTerraformValue);
    report.sensitiveOutputs = outputs.sensitive;
    report.outputNames = Object.keys(outputs.outputs);
    return {
      digest: ready.digest,
      outputs: outputs.outputs,
      ...(report.stateBackupArtifact ? { stateBackupArtifact: report.stateBackupArtifact } : {}),
    };
  } catch (error) {
    if (error instanceof ActionError) {
      report.failure = { reason: error.reason, message: maskText(error.message, secrets) };
    }
    throw error;
  } finally {
    await rm(workDir, { recursive: true, force: true });
    if (reviewed && settings.comment && deps.octokit && (report.applied || report.failure)) {
      await stampComment(deps.octokit, repository, reviewed, report).catch((e: unknown) =>
        core.warning(`Could not update the plan comment: ${String(e)}`),
      );
    }
    await appendSummary(renderApplySummary(report)).catch((e: unknown) =>
      core.warning(`Could not write the job summary: ${String(e)}`),
    );
  }
}

/**
 * Finds the reviewed bundle, verifies it before any process runs (all the
 * checks that need no Terraform), readies the stack, and checks the digest
 * of the very plan file about to be applied.
 */
async function readyFromArtifact(
  settings: TfApplySettings,
  deps: TfApplyDeps,
  report: ApplyReport,
  found: { pull?: PullRequestInfo; reviewed?: ReviewedComment; workDir: string; now: Date },
): Promise<ReadyPlan> {
  const { context } = deps;
  const located = await core.group('Find the plan', () =>
    locatePlanBundle({
      name: planArtifactName(settings),
      planDir: settings.planDir,
      planRunId: settings.planRunId,
      context,
      token: deps.token,
      octokit: deps.octokit,
      mergedPullRequest: found.pull?.merged ? found.pull : undefined,
      destination: path.join(found.workDir, 'bundle'),
    }),
  );
  report.planSource = located.from;
  const clearDir = path.join(found.workDir, 'clear');
  const { verified, planFile } = await core.group('Verify the plan', async () => {
    const { metadata, problems } = await readPlanBundle(located.dir);
    const authenticated = await authenticatePlanBundle(metadata, settings.encryptionKey);
    checkIntact(metadata, problems);
    const clear = await decryptPlanBundle(located.dir, settings.encryptionKey, clearDir);
    const savedPlan = readSavedPlan(await readFile(clear.plan));
    if (!savedPlan) {
      core.info(
        "The saved plan is not in Terraform's zip format: its workspace, version and configuration cannot be read from it.",
      );
    }
    const config = savedPlan
      ? await compareWithCheckout(savedPlan.modules, {
          stackDir: path.resolve(context.workspaceRoot, settings.workingDirectory),
          root: context.workspaceRoot,
          tool: settings.tool,
        })
      : undefined;
    const marker = found.reviewed?.marker;
    const result = verifyPlanBundle(
      metadata,
      problems,
      {
        authenticated,
        ...(savedPlan ? { savedPlan } : {}),
        ...(config ? { config } : {}),
        ...(located.run ? { run: located.run } : {}),
        jsonDigest: planDigest(parseBundleJson(await readFile(clear.json, 'utf8'))),
      },
      {
        workingDirectory: settings.workingDirectory,
        workspace: settings.workspace,
        tool: settings.tool,
        versionConstraint: settings.version,
        repository: context.repository,
        commitSha: context.commitSha,
        ...(found.pull?.merged ? { mergedPullRequest: found.pull } : {}),
        maxAgeMs: settings.maxPlanAge,
        now: found.now,
        ...(settings.planDigest ? { expectedDigest: settings.planDigest } : {}),
        ...(marker && found.pull
          ? {
              reviewedComment: {
                ...(marker.digest ? { digest: marker.digest } : {}),
                commitSha: marker.commitSha,
                pullRequest: found.pull.number,
              },
            }
          : {}),
      },
    );
    return { verified: result, planFile: clear.plan };
  });
  report.checks = verified.passed;
  report.planCommit = verified.commitSha;
  await requireApproval(settings, deps, report, found, verified.commitSha);

  // Exactly the version that made the plan: Terraform refuses a plan from another.
  const { cli, version } = await prepareStack({ ...settings, version: verified.toolVersion }, settings, {
    workspaceRoot: context.workspaceRoot,
    runnerTemp: deps.runnerTemp,
  });
  report.toolVersion = version;
  // The digest of the plan file itself, as Terraform reads it: never the bundle's plan.json.
  const plan = await showPlanFile(cli, planFile);
  const digest = planDigest(plan);
  if (digest !== verified.reviewedDigest) {
    throw new ActionError(
      `The plan file is not the plan that was reviewed: \`${cli.tool} show -json\` of it gives digest ${digest.slice(0, 12)}, and ${verified.reviewedBy} approved ${verified.reviewedDigest.slice(0, 12)}. The saved plan was replaced; nothing was applied. Plan again.`,
      'plan-changed',
    );
  }
  report.checks.push({
    check: 'Plan file digest',
    detail: `\`${cli.tool} show -json\` of the plan file applied gives \`${digest.slice(0, 12)}\``,
  });
  return { cli, planFile, plan, digest, textPlan: await cli.showText(planFile) };
}

/** `show -json` of the plan file; a file Terraform cannot read is not the plan tf-plan saved. */
async function showPlanFile(cli: TerraformCli, planFile: string): Promise<JsonPlan> {
  try {
    return JSON.parse(await cli.showJson(planFile)) as JsonPlan;
  } catch (error) {
    if (!(error instanceof ActionError) || error.reason !== 'show-failed') throw error;
    throw new ActionError(
      `${error.message.split('\n', 1)[0]}: the saved plan is not a plan ${cli.tool} can read. It was altered or replaced: plan again.`,
      'plan-tampered',
      { cause: error },
    );
  }
}

function parseBundleJson(text: string): JsonPlan {
  try {
    return JSON.parse(text) as JsonPlan;
  } catch {
    throw new ActionError(
      "The plan bundle's plan.json is not JSON: it was altered after tf-plan made it. Plan again.",
      'plan-tampered',
    );
  }
}

/** Plans again and goes on only when the new plan is the reviewed one. */
async function readyByReplanning(
  settings: TfApplySettings,
  deps: TfApplyDeps,
  report: ApplyReport,
  found: { pull?: PullRequestInfo; reviewed?: ReviewedComment; workDir: string },
): Promise<ReadyPlan> {
  const { context } = deps;
  const planCommit = found.pull?.merged ? found.pull.headSha : context.commitSha;
  report.planCommit = planCommit;
  const marker = found.reviewed?.marker;
  const markerDigest = marker?.commitSha === planCommit ? marker.digest : undefined;
  const reviewedDigest = settings.planDigest || markerDigest;
  if (!reviewedDigest) {
    throw new ActionError(
      `There is no reviewed plan to compare with: set \`plan-digest\` (tf-plan's output), or run tf-plan with comments on the pull request${found.pull ? ` (#${found.pull.number} has no plan comment for this stack and commit \`${planCommit.slice(0, 7)}\`)` : ''}.`,
      'plan-not-reviewed',
    );
  }
  report.planSource = settings.planDigest ? 'the plan-digest input' : `the plan comment on #${found.pull!.number}`;
  await requireApproval(settings, deps, report, found, planCommit);

  const { cli, version } = await prepareStack(settings, settings, {
    workspaceRoot: context.workspaceRoot,
    runnerTemp: deps.runnerTemp,
  });
  report.toolVersion = version;
  const planFile = path.join(found.workDir, 'replan.tfplan');
  await core.group('plan', () =>
    cli.plan({
      out: planFile,
      vars: settings.variables,
      varFiles: settings.varFiles,
      lockTimeout: settings.lockTimeout,
    }),
  );
  const plan = JSON.parse(await cli.showJson(planFile)) as JsonPlan;
  const digest = planDigest(plan);
  const textPlan = await cli.showText(planFile);
  if (digest !== reviewedDigest) {
    const planSecretValues = registerPlanSecrets(plan, { patterns: settings.maskPatterns });
    const summary = summarizePlan(plan);
    report.summary = summary;
    report.planText = maskText(textPlan, [...deps.secrets, ...planSecretValues]);
    const fresh = renderPlanComment({ ...report, summary, failure: undefined }, '');
    report.differences =
      found.reviewed && markerDigest ? planDifferences(found.reviewed.comment.body, fresh) : undefined;
    throw new ActionError(
      `The plan changed: the reviewed plan has digest ${reviewedDigest.slice(0, 12)}, and planning again gives ${digest.slice(0, 12)}. Nothing was applied; the job summary shows the new plan. Review it before applying.`,
      'plan-changed',
    );
  }
  report.checks.push({ check: 'Approved digest', detail: `the new plan equals ${report.planSource}` });
  return { cli, planFile, plan, digest, textPlan };
}

/** Terraform's refusal of a saved plan whose state changed after it was made. */
function isStalePlan(error: unknown): boolean {
  return error instanceof ActionError && error.reason === 'apply-failed' && /Saved plan is stale/.test(error.message);
}

interface PullRequestInfo extends AppliedPullRequest {
  /** Merged by the commit being applied (a push), rather than the pull request of a pull_request event. */
  merged: boolean;
}

/** The pull request behind the commit being applied: the event's, or the one a pushed commit merged. */
async function appliedPullRequest(context: RunContext, octokit?: GitHubClient): Promise<PullRequestInfo | undefined> {
  if (context.pullRequest) {
    const author = (context.payload.pull_request as { user?: { login?: string } } | undefined)?.user?.login ?? '';
    core.info(`Pull request #${context.pullRequest.number}, head ${context.pullRequest.headSha}.`);
    return { number: context.pullRequest.number, headSha: context.pullRequest.headSha, author, merged: false };
  }
  if (!octokit) return undefined;
  const merged = await findMergedPullRequest(octokit, { owner: context.owner, repo: context.repo }, context.commitSha);
  core.info(
    merged
      ? `Commit ${context.commitSha} merged pull request #${merged.number} (head ${merged.headSha}).`
      : `Commit ${context.commitSha} merged no pull request.`,
  );
  return merged && { ...merged, merged: true };
}

/**
 * A lookup of the pull request or its comments; a refusal by GitHub becomes
 * one clear error naming the permissions the job needs.
 */
async function readsFromGitHub<T>(lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status !== 'number') throw error;
    throw new ActionError(
      `GitHub refused to show the pull request behind this commit or its comments (HTTP ${status}: ${(error as Error).message}). Give the job \`permissions: pull-requests: read\` (\`write\` to mark the plan comment applied), or set \`github-token\`.`,
      'github-api-failed',
      { cause: error },
    );
  }
}

interface ReviewedComment {
  comment: PostedComment;
  marker: PlanMarker;
}

/** The pull request's current plan comment for this stack, posted by this token's tf-plan. */
async function findReviewedComment(
  octokit: GitHubClient,
  target: IssueTarget,
  stack: Pick<PlanMarker, 'workingDirectory' | 'workspace' | 'label'>,
): Promise<ReviewedComment | undefined> {
  const comments = await markedComments(octokit, target, readPlanMarker);
  return comments.findLast((c) => sameStack(c.marker, stack) && c.marker.status !== 'outdated');
}

/**
 * With `require-pr-approval`: an approval of the plan being applied, by
 * someone other than the author, on the plan's commit (the pull request's
 * head, never a merge commit) and — when the pull request has the plan's
 * comment — given after that comment was posted: an approval given before
 * covers whatever plan the comment showed then, not this one.
 */
async function requireApproval(
  settings: TfApplySettings,
  deps: TfApplyDeps,
  report: ApplyReport,
  found: { pull?: PullRequestInfo; reviewed?: ReviewedComment },
  commitSha: string,
): Promise<void> {
  if (!settings.requirePrApproval) return;
  const { pull } = found;
  if (!pull || !deps.octokit) {
    throw new ActionError(
      `require-pr-approval is set, and commit \`${commitSha.slice(0, 7)}\` ${deps.octokit ? 'belongs to no pull request' : 'cannot be checked without `github-token`'}: nothing is applied without an approved pull request.`,
      'approval-missing',
    );
  }
  // The comment that showed this plan: the pull request's current one, for the plan's commit.
  const shown = found.reviewed?.marker.commitSha === commitSha ? found.reviewed : undefined;
  const postedAt = shown?.comment.createdAt;
  const approvals = await readsFromGitHub(() =>
    planApprovals(deps.octokit!, { owner: deps.context.owner, repo: deps.context.repo }, pull, commitSha, {
      ...(postedAt ? { postedAt } : {}),
    }),
  );
  if (approvals.current.length) {
    const who = approvals.current.map((a) => a.login).join(', ');
    report.checks.push({
      check: 'Approved',
      detail: `#${pull.number} approved by ${who}${postedAt ? ` after the plan comment was posted (${postedAt})` : ` on commit \`${commitSha.slice(0, 7)}\``}`,
    });
    return;
  }
  if (approvals.stale.length) {
    const plan = shown?.marker.digest ? `plan \`${shown.marker.digest.slice(0, 12)}…\`` : 'the plan';
    const given = approvals.stale.map((a) => describeApproval(a, commitSha)).join('; ');
    const onCommit = approvals.stale.every((a) => a.commitSha === commitSha);
    throw new ActionError(
      postedAt && onCommit
        ? `Pull request #${pull.number} was approved before ${plan} was posted at ${postedAt} (${given}); approve again after reviewing it, then run again.`
        : `Pull request #${pull.number} has no approval of ${plan} for commit \`${commitSha.slice(0, 7)}\`${postedAt ? ` given after it was posted at ${postedAt}` : ''} (${given}); approve again after reviewing it, then run again.`,
      'approval-stale',
    );
  }
  throw new ActionError(
    `Pull request #${pull.number} has no approving review of commit \`${commitSha.slice(0, 7)}\` from someone other than its author${pull.author ? ` (${pull.author})` : ''}. Approve the reviewed commit, then run again.`,
    'approval-missing',
  );
}

/** `hubot at 2025-06-02T10:00:00Z`, `hubot at … on commit \`aaaaaaa\`` when it approved another commit. */
function describeApproval(approval: Approval, commitSha: string): string {
  const commit = approval.commitSha === commitSha ? '' : ` on commit \`${approval.commitSha.slice(0, 7)}\``;
  return `${approval.login} at ${approval.submittedAt || 'an unknown time'}${commit}`;
}

/** The plan comment says the plan was applied, or why applying failed. */
async function stampComment(
  octokit: GitHubClient,
  repository: { owner: string; repo: string },
  reviewed: ReviewedComment,
  report: ApplyReport,
): Promise<void> {
  if (reviewed.marker.commitSha !== report.planCommit) return;
  // `applied` only on the comment of the plan that was applied: the digest of the plan file equals the comment's.
  if (report.applied && (!reviewed.marker.digest || reviewed.marker.digest !== report.digest)) return;
  const status = report.applied ? 'applied' : 'apply-failed';
  const body = restampPlanBody(reviewed.comment.body, status, renderApplyNote(report));
  await octokit.rest.issues.updateComment({ ...repository, comment_id: reviewed.comment.id, body });
  core.info(`Marked the plan comment ${status}: ${reviewed.comment.url}`);
}
