import { describe, expect, it } from 'vitest';
import { ActionError } from '../action/action-error.ts';
import type { PlanBundleMetadata } from './plan-bundle.ts';
import { verifyPlanBundle, type ApplyExpectations, type PlanEvidence } from './plan-verify.ts';

const HEAD = 'a'.repeat(40);
const MERGE = 'b'.repeat(40);
const DIGEST = 'd'.repeat(64);

const metadata: PlanBundleMetadata = {
  formatVersion: 2,
  planDigest: DIGEST,
  commitSha: HEAD,
  pullRequest: 12,
  workingDirectory: './infra/prod/',
  workspace: 'default',
  tool: 'tofu',
  toolVersion: '1.8.8',
  runId: 1,
  runAttempt: 1,
  repository: 'octo-org/infra',
  createdAt: '2026-11-20T10:00:00.000Z',
  files: { 'plan.tfplan': { sha256: '0'.repeat(64) } },
  encrypted: false,
};

/** A clear bundle whose plan file reads back the same facts, from this run. */
const evidence: PlanEvidence = {
  authenticated: false,
  savedPlan: { workspace: 'default', version: '1.8.8', timestamp: '2026-11-20T10:00:00Z' },
  config: { differences: [], compared: 1, skipped: 0 },
  run: { headSha: HEAD, repository: 'octo-org/infra', name: 'this run' },
  jsonDigest: DIGEST,
};

const expected: ApplyExpectations = {
  workingDirectory: 'infra/prod',
  workspace: 'default',
  tool: 'tofu',
  versionConstraint: '',
  repository: 'octo-org/infra',
  commitSha: HEAD,
  maxAgeMs: 7 * 24 * 3600_000,
  expectedDigest: DIGEST,
  now: new Date('2026-11-23T10:00:00Z'),
};

/** The failure reason and message of a refusal. */
function refusal(run: () => unknown): { reason: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ActionError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

describe('verifyPlanBundle', () => {
  it('passes a bundle made for this stack and commit, and says what it checked', () => {
    const verified = verifyPlanBundle(metadata, [], evidence, expected);
    expect(verified.passed.map((c) => c.check)).toEqual([
      'Files intact',
      'Plan file',
      'Same stack',
      'Same configuration',
      'Same commit',
      'Recent',
      'Approved digest',
    ]);
    expect(verified.passed.find((c) => c.check === 'Recent')?.detail).toBe('made 4320m ago');
    expect(verified).toMatchObject({ reviewedDigest: DIGEST, commitSha: HEAD, toolVersion: '1.8.8' });
  });

  it('accepts the head of the pull request a merge commit merged', () => {
    const verified = verifyPlanBundle(metadata, [], evidence, {
      ...expected,
      commitSha: MERGE,
      mergedPullRequest: { number: 12, headSha: HEAD },
    });
    expect(verified.passed.find((c) => c.check === 'Same commit')?.detail).toMatch(
      /the head of #12, merged as `bbbbbbb`/,
    );
  });

  it('refuses every field of metadata.json that contradicts the plan file, its JSON or the run', () => {
    const cases: [Partial<PlanBundleMetadata>, RegExp][] = [
      [{ workspace: 'staging' }, /records workspace `staging`, and the saved plan is for workspace `default`/],
      [{ toolVersion: '1.9.0' }, /records version 1\.9\.0, and the saved plan was made by 1\.8\.8/],
      [{ createdAt: '2026-11-22T10:00:00Z' }, /records the plan made at 2026-11-22T10:00:00Z, and the saved plan/],
      [{ commitSha: MERGE }, /records commit `bbbbbbb`, and this run ran for `aaaaaaa`/],
      [{ repository: 'octo-org/other' }, /records repository octo-org\/other, and this run is in octo-org\/infra/],
      [{ planDigest: 'e'.repeat(64) }, /records digest `eeeeeeeeeeee`, and plan\.json has `dddddddddddd`/],
    ];
    for (const [change, message] of cases) {
      const refused = refusal(() => verifyPlanBundle({ ...metadata, ...change }, [], evidence, expected));
      expect(refused.reason, JSON.stringify(change)).toBe('plan-tampered');
      expect(refused.message).toMatch(message);
    }
  });

  it('without a plan file to read, falls back on metadata.json; with one, believes the plan file', () => {
    // The staging plan relabelled `default`: metadata agrees with the inputs, the plan file does not.
    const relabelled = { ...evidence, savedPlan: { ...evidence.savedPlan, workspace: 'staging' } };
    expect(refusal(() => verifyPlanBundle(metadata, [], relabelled, expected)).reason).toBe('plan-tampered');
    const { savedPlan: _, ...unreadable } = evidence;
    expect(
      verifyPlanBundle({ ...metadata, workspace: 'staging' }, [], unreadable, { ...expected, workspace: 'staging' }),
    ).toBeTruthy();
  });

  it('refuses in order: tampered, mismatch, stale, expired, not reviewed, changed', () => {
    expect(
      refusal(() => verifyPlanBundle(metadata, ['plan.txt is missing.'], evidence, { ...expected, workspace: 'x' })),
    ).toMatchObject({ reason: 'plan-tampered', message: expect.stringMatching(/plan\.txt is missing\./) });
    expect(
      refusal(() => verifyPlanBundle(metadata, [], evidence, { ...expected, workspace: 'prod', tool: 'terraform' })),
    ).toMatchObject({
      reason: 'plan-mismatch',
      message: expect.stringMatching(/workspace `default`, not `prod`; tool tofu, not terraform/),
    });
    expect(
      refusal(() => verifyPlanBundle(metadata, [], evidence, { ...expected, versionConstraint: '>= 1.9' })),
    ).toMatchObject({
      reason: 'plan-mismatch',
      message: expect.stringMatching(/tofu 1\.8\.8, which does not satisfy version '>= 1\.9'/),
    });
    expect(
      refusal(() => verifyPlanBundle(metadata, [], evidence, { ...expected, repository: 'octo-org/other' })),
    ).toMatchObject({ reason: 'plan-mismatch', message: expect.stringMatching(/repository octo-org\/infra, not/) });
    const edited = {
      ...evidence,
      config: { differences: ['the root module: `main.tf` differs.'], compared: 1, skipped: 0 },
    };
    expect(refusal(() => verifyPlanBundle(metadata, [], edited, expected))).toMatchObject({
      reason: 'plan-stale',
      message: expect.stringMatching(
        /other configuration than this checkout's `infra\/prod`: the root module: `main\.tf` differs\./,
      ),
    });
    expect(
      refusal(() =>
        verifyPlanBundle(metadata, [], evidence, {
          ...expected,
          commitSha: MERGE,
          mergedPullRequest: { number: 12, headSha: 'c'.repeat(40) },
        }),
      ),
    ).toMatchObject({
      reason: 'plan-stale',
      message: expect.stringMatching(
        /made for commit `aaaaaaa` \(this run\), not .* the head of #12 it merged \(`ccccccc`\)/,
      ),
    });
    expect(
      refusal(() => verifyPlanBundle(metadata, [], evidence, { ...expected, maxAgeMs: 24 * 3600_000 })),
    ).toMatchObject({
      reason: 'plan-expired',
      message: expect.stringMatching(/made 4320m ago \(2026-11-20T10:00:00Z\), more than max-plan-age \(1440m\) ago/),
    });
    const { expectedDigest: _, ...unreviewed } = expected;
    expect(refusal(() => verifyPlanBundle(metadata, [], evidence, unreviewed))).toMatchObject({
      reason: 'plan-not-reviewed',
      message: expect.stringMatching(/No reviewed digest is known for this plan.*set `plan-digest`/),
    });
    expect(
      refusal(() =>
        verifyPlanBundle(metadata, [], evidence, {
          ...unreviewed,
          reviewedComment: { digest: 'e'.repeat(64), commitSha: HEAD, pullRequest: 12 },
        }),
      ),
    ).toMatchObject({
      reason: 'plan-changed',
      message: expect.stringMatching(
        /the plan comment on #12 approved plan `eeeeeeeeeeee`, and the artifact holds plan `dddddddddddd`/,
      ),
    });
  });

  it('takes the age from the plan file, not from metadata.json, when the plan records it', () => {
    const old = { ...evidence, savedPlan: { ...evidence.savedPlan, timestamp: '2026-11-01T10:00:00Z' } };
    // metadata.json agreeing with the old plan is no help: the plan file's own time counts.
    const refused = refusal(() =>
      verifyPlanBundle({ ...metadata, createdAt: '2026-11-01T10:00:00Z' }, [], old, expected),
    );
    expect(refused.reason).toBe('plan-expired');
  });

  it('uses the comment of the plan commit only, and an authenticated bundle only when nothing else reviewed it', () => {
    const { expectedDigest: _, ...unreviewed } = expected;
    const otherCommit = { digest: DIGEST, commitSha: MERGE, pullRequest: 12 };
    expect(
      refusal(() => verifyPlanBundle(metadata, [], evidence, { ...unreviewed, reviewedComment: otherCommit })),
    ).toMatchObject({ reason: 'plan-not-reviewed' });
    const fromComment = verifyPlanBundle(metadata, [], evidence, {
      ...unreviewed,
      reviewedComment: { ...otherCommit, commitSha: HEAD },
    });
    expect(fromComment.reviewedBy).toBe('the plan comment on #12');

    const authenticated = { ...evidence, authenticated: true };
    expect(verifyPlanBundle(metadata, [], authenticated, unreviewed).reviewedBy).toMatch(/authenticated plan bundle/);
    // The caller's digest wins over the bundle's own.
    expect(
      refusal(() => verifyPlanBundle(metadata, [], authenticated, { ...expected, expectedDigest: 'e'.repeat(64) })),
    ).toMatchObject({ reason: 'plan-changed' });
  });
});
