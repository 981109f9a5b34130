import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { actionError } from '../../../../test/assertions.ts';
import type { PlanBundleMetadata } from './plan-bundle.ts';
import { verifyPlanBundle, type ApplyExpectations } from './plan-verify.ts';

const HEAD = 'a'.repeat(40);
const MERGE = 'b'.repeat(40);
const DIGEST = 'd'.repeat(64);

const metadata: PlanBundleMetadata = {
  formatVersion: 1,
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
  createdAt: '2026-11-20T10:00:00Z',
  files: { 'plan.tfplan': { sha256: '0'.repeat(64) } },
  encrypted: false,
};

const expected: ApplyExpectations = {
  workingDirectory: 'infra/prod',
  workspace: 'default',
  tool: 'tofu',
  versionConstraint: '',
  repository: 'octo-org/infra',
  commitSha: HEAD,
  maxAgeMs: 7 * 24 * 3600_000,
  now: new Date('2026-11-23T10:00:00Z'),
};

describe('verifyPlanBundle', () => {
  it('passes a bundle made for this stack and commit, and says what it checked', () => {
    const passed = verifyPlanBundle(metadata, [], { ...expected, expectedDigest: DIGEST });
    assert.deepEqual(
      passed.map((c) => c.check),
      ['Files intact', 'Same stack', 'Same commit', 'Recent', 'Approved digest'],
    );
    assert.equal(passed[3]?.detail, 'made 4320m ago');
  });

  it('accepts the head of the pull request a merge commit merged', () => {
    const passed = verifyPlanBundle(metadata, [], {
      ...expected,
      commitSha: MERGE,
      mergedPullRequest: { number: 12, headSha: HEAD },
    });
    assert.match(passed[2]!.detail, /the head of #12, merged as `bbbbbbb`/);
  });

  it('refuses in order: tampered, mismatch, stale, expired, changed', () => {
    assert.throws(
      () => verifyPlanBundle(metadata, ['plan.txt is missing.'], { ...expected, workspace: 'prod' }),
      actionError('plan-tampered', /plan\.txt is missing\./),
    );
    assert.throws(
      () => verifyPlanBundle(metadata, [], { ...expected, workspace: 'prod', tool: 'terraform' }),
      actionError('plan-mismatch', /workspace `default`, not `prod`; tool tofu, not terraform/),
    );
    assert.throws(
      () => verifyPlanBundle(metadata, [], { ...expected, versionConstraint: '>= 1.9' }),
      actionError('plan-mismatch', /tofu 1\.8\.8, which does not satisfy version '>= 1\.9'/),
    );
    assert.throws(
      () => verifyPlanBundle(metadata, [], { ...expected, repository: 'octo-org/other' }),
      actionError('plan-mismatch', /repository octo-org\/infra, not octo-org\/other/),
    );
    assert.throws(
      () =>
        verifyPlanBundle(metadata, [], {
          ...expected,
          commitSha: MERGE,
          mergedPullRequest: { number: 12, headSha: 'c'.repeat(40) },
        }),
      actionError('plan-stale', /made for commit `aaaaaaa`, not .* or the head of #12 it merged \(`ccccccc`\)/),
    );
    assert.throws(
      () => verifyPlanBundle(metadata, [], { ...expected, maxAgeMs: 24 * 3600_000 }),
      actionError('plan-expired', /made 4320m ago \(2026-11-20T10:00:00Z\), more than max-plan-age \(1440m\) ago/),
    );
    assert.throws(
      () => verifyPlanBundle({ ...metadata, createdAt: 'yesterday' }, [], expected),
      actionError('plan-expired', /made at an unknown time/),
    );
    assert.throws(
      () => verifyPlanBundle(metadata, [], { ...expected, reviewedDigest: 'e'.repeat(64) }),
      actionError(
        'plan-changed',
        /the pull request's plan comment approved plan `eeeeeeeeeeee`, and the artifact holds plan `dddddddddddd`/,
      ),
    );
  });
});
