import { describe, expect, it } from 'vitest';
import { outdatedPlanBody, readPlanMarker, renderPlanMarker, samePlan, type PlanMarker } from './plan-marker.ts';

const marker: PlanMarker = {
  workingDirectory: 'infra/prod',
  workspace: 'default',
  label: '',
  commitSha: 'c0ffee0000000000000000000000000000000001',
  runId: '7',
  status: 'planned',
  digest: 'a'.repeat(64),
};
const body = `${renderPlanMarker(marker)}\n### Terraform plan for \`infra/prod\`\n`;

describe('samePlan', () => {
  it('is the same commit and the same digest; a failed plan (no digest) is the same as another failed one', () => {
    expect(samePlan(marker, { ...marker })).toBe(true);
    expect(samePlan(marker, { ...marker, digest: 'b'.repeat(64) })).toBe(false);
    expect(samePlan(marker, { ...marker, commitSha: 'f'.repeat(40) })).toBe(false);
    expect(samePlan(marker, { commitSha: marker.commitSha })).toBe(false);
    expect(samePlan({ commitSha: 'x' }, { commitSha: 'x' })).toBe(true);
  });
});

describe('outdatedPlanBody', () => {
  it('says a newer commit superseded the plan', () => {
    const outdated = outdatedPlanBody(body, {
      commitSha: 'bbbb000000000000000000000000000000000002',
      digest: 'c'.repeat(64),
    });
    expect(readPlanMarker(outdated)?.status).toBe('outdated');
    expect(outdated).toContain('> [!NOTE]\n> Outdated: superseded by the plan for commit `bbbb000`.');
    expect(outdated).toContain('### Terraform plan for `infra/prod`');
  });

  it('says the same commit was planned again with another plan, whose earlier approvals do not count', () => {
    const outdated = outdatedPlanBody(body, { commitSha: marker.commitSha, digest: 'd'.repeat(64) });
    expect(outdated).toContain(
      '> Outdated: planning commit `c0ffee0` again gave another plan (`dddddddddddd`), in a new comment. Approvals given before it do not count for it.',
    );
    expect(outdatedPlanBody(body, { commitSha: marker.commitSha })).toContain('again gave a failed plan');
  });
});
