// One measurement in a fresh process (so peak memory is its own):
// `node plan-model-worker.ts <plan.json> parse|model`. Prints JSON.
import { readFileSync } from 'node:fs';
import { planDigest } from '@iac-actions/shared/terraform/plan-digest.ts';
import { renderPlanComment, renderPlanSummary } from '@iac-actions/shared/terraform/plan-markdown.ts';
import { maskPlan } from '@iac-actions/shared/terraform/plan-mask.ts';
import { summarizePlan } from '@iac-actions/shared/terraform/plan-summary.ts';
import type { JsonPlan } from '@iac-actions/shared/terraform/plan-types.ts';

const [file, what] = process.argv.slice(2);
const text = readFileSync(file!, 'utf8');
const started = performance.now();
const plan = JSON.parse(text) as JsonPlan;
const parsed = performance.now();
if (what === 'model') {
  const digest = planDigest(plan);
  const masked = maskPlan(plan, { patterns: [] });
  const summary = summarizePlan(masked.plan);
  const report = {
    workingDirectory: 'infra',
    workspace: 'default',
    tool: 'terraform' as const,
    commitSha: '0'.repeat(40),
    summary,
    digest,
  };
  renderPlanComment(report, '<!-- marker -->');
  renderPlanSummary(report);
}
const done = performance.now();
console.log(
  JSON.stringify({ parseMs: parsed - started, modelMs: done - parsed, maxRssKiB: process.resourceUsage().maxRSS }),
);
