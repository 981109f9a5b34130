import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { planDifferences, renderApplyNote, type ApplyReport } from './apply-markdown.ts';
import { renderPlanComment } from './plan-markdown.ts';
import { readPlanMarker, renderPlanMarker, restampPlanBody, type PlanMarker } from './plan-marker.ts';
import { summarizePlan } from './plan-summary.ts';
import { readJson } from './plan-text.test-helper.ts';

/** The summary of a recorded plan. */
const summaryOf = (fixture: string) => summarizePlan(readJson('equivalence', fixture, 'plan.json'));

const stack = {
  workingDirectory: 'infra',
  workspace: 'default',
  tool: 'terraform' as const,
  commitSha: 'a'.repeat(40),
};

describe('planDifferences', () => {
  it('lists the resources and actions only one of two plan comments has', () => {
    const reviewed = renderPlanComment({ ...stack, summary: summaryOf('replace_within_object') }, '');
    const fresh = renderPlanComment({ ...stack, summary: summaryOf('moved_with_update') }, '');
    assert.deepEqual(planDifferences(reviewed, fresh), {
      reviewedOnly: ['♻️ Replace: `tfcoremock_object.object` — an attribute forces replacement'],
      newOnly: [
        '✏️ Update in place: `tfcoremock_simple_resource.moved` — moved from `tfcoremock_simple_resource.base`',
        '🚚 Move: `tfcoremock_simple_resource.moved` — moved from `tfcoremock_simple_resource.base`',
      ],
    });
    assert.deepEqual(planDifferences(reviewed, reviewed), { reviewedOnly: [], newOnly: [] });
  });
});

describe('the plan comment after apply', () => {
  const marker: PlanMarker = { ...stack, label: '', runId: '1', status: 'planned', digest: 'd'.repeat(64) };
  const body = `${renderPlanMarker(marker)}\n\n### Terraform plan for \`infra\`\n\nrest`;
  const report: ApplyReport = { ...stack, mode: 'artifact', checks: [], applied: false, runUrl: 'https://run' };

  it('gets a note on top and a new status; a later status replaces the note', () => {
    const failed = restampPlanBody(
      body,
      'apply-failed',
      renderApplyNote({ ...report, failure: { reason: 'state-locked', message: 'Locked by alice.\nmore' } }),
    );
    assert.equal(readPlanMarker(failed)?.status, 'apply-failed');
    assert.match(
      failed,
      /\n> \[!CAUTION\]\n> Apply refused in \[run\]\(https:\/\/run\) \(`state-locked`\): Locked by alice\.\n\n### Terraform plan/,
    );
    const applied = restampPlanBody(
      failed,
      'applied',
      renderApplyNote({ ...report, applied: true, applyLine: 'Apply complete!' }),
    );
    assert.equal(readPlanMarker(applied)?.status, 'applied');
    assert.ok(!applied.includes('CAUTION'), 'the earlier note is gone');
    assert.match(
      applied,
      /> \[!TIP\]\n> Applied in \[run\]\(https:\/\/run\) from commit `aaaaaaa`\. Apply complete!\n\n### Terraform plan/,
    );
    assert.equal(readPlanMarker(applied)?.digest, marker.digest, 'the marker keeps the reviewed digest');
  });
});
