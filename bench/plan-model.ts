import { planDigest } from '@iac-actions/shared/terraform/plan-digest.ts';
import { renderPlanComment, renderPlanSummary, type PlanReport } from '@iac-actions/shared/terraform/plan-markdown.ts';
import { compileMaskPatterns, maskText, planSecrets } from '@iac-actions/shared/terraform/plan-mask.ts';
import { summarizePlan } from '@iac-actions/shared/terraform/plan-summary.ts';
import type { JsonPlan } from '@iac-actions/shared/terraform/plan-types.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { syntheticPlanText } from '../test/terraform/synthetic-plan-text.ts';
import { syntheticPlan } from '../test/terraform/synthetic-plan.ts';
import { interleave, median, medianRatio, ms, printTable, times, us, verdict } from './measure.ts';

// tf-plan's work between `terraform show` and the reports (tf-plan.ts): the
// digest, the plan's secrets, the summary, the masking of the plan text with the
// secrets found, and both renderers (which shorten the text to fit), against
// JSON.parse of the same plan — timed alternately in this warmed process,
// round after round, over synthetic plans with their `terraform show` text.
//
// Twice. First with each contender ending by emptying the young generation,
// inside its own time, so that each pays for moving and promoting what it
// allocated and keeps: JSON.parse leaves up to a young generation of the plan
// it just made, which the next two collections copy and promote, and without
// this those copies fall in the plan path whenever the path runs after the
// parse (measured with --trace-gc at 10k resources: 25–30 ms, a third of the
// parse). The goal is judged on this figure. Then as they run, collections
// wherever they fall, printed beside it.
const SIZES = [
  { resources: 1_000, rounds: 41 },
  { resources: 10_000, rounds: 15 },
  { resources: 50_000, rounds: 7 },
];
const GOAL = 1.5;
/** Per-resource time of the plan path at the largest size over the smallest: linear growth stays near 1. */
const LINEAR_GOAL = 2;

/** Patterns as users give them in `mask-patterns`: account IDs, access keys, bearer tokens, database hosts. */
const MASK_PATTERNS = compileMaskPatterns([
  String.raw`\b\d{12}\b`,
  'AKIA[0-9A-Z]{16}',
  String.raw`(?i:bearer\s+[a-z0-9._~+/-]+)`,
  String.raw`[a-z0-9_-]+\.[0-9a-f]{12}\.[a-z0-9-]+\.rds\.amazonaws\.com`,
]);
/** Values of inputs tf-plan masks in every text (variables, backend settings). */
const INPUT_SECRETS = ['backend-password-0123456789', 'TF_VAR_api_key_abcdef0123456789'];

/** What tf-plan does with the parsed plan and the `terraform show` text, in its order. */
function planPath(plan: JsonPlan, showText: string): number {
  const digest = planDigest(plan);
  const secrets = planSecrets(plan, { patterns: MASK_PATTERNS });
  const summary = summarizePlan(plan);
  const planText = maskText(showText, [...INPUT_SECRETS, ...secrets]);
  const report: PlanReport = {
    workingDirectory: 'infra/prod',
    workspace: 'default',
    tool: 'terraform',
    toolVersion: '1.9.8',
    commitSha: '0'.repeat(40),
    runUrl: 'https://github.com/org/repo/actions/runs/1',
    summaryUrl: 'https://github.com/org/repo/actions/runs/1#summary',
    summary,
    planText,
    digest,
  };
  return renderPlanComment(report, '<!-- iac-actions:plan -->').length + renderPlanSummary(report).length;
}

/**
 * Empties V8's young generation: two collections, the first moving what
 * survives to the young generation's second half, the second promoting it.
 * Exposed without a command-line flag.
 */
function youngCollection(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  return () => {
    gc({ type: 'minor' });
    gc({ type: 'minor' });
  };
}

export async function benchPlanModel(): Promise<void> {
  const collectYoung = youngCollection();
  const rows: (string | number)[][] = [];
  const perResource: number[] = [];
  for (const { resources, rounds } of SIZES) {
    const plan = syntheticPlan(resources, { seed: resources });
    const json = JSON.stringify(plan);
    const showText = syntheticPlanText(plan);
    let parsed = JSON.parse(json) as JsonPlan;
    const contenders = (collect: () => void) => ({
      parse: () => {
        parsed = JSON.parse(json) as JsonPlan;
        collect();
      },
      path: () => {
        // maskText keeps the masker of the last secrets; tf-plan builds it once a run, so a run here does too.
        maskText('', []);
        planPath(parsed, showText);
        collect();
      },
    });
    const timed = async (collect: () => void) => {
      await interleave(3, contenders(collect)); // warm-up: compiled code, sized heap
      return interleave(rounds, contenders(collect));
    };
    const t = await timed(collectYoung);
    const asTheyFall = await timed(() => undefined);
    const ratio = medianRatio(t.path, t.parse);
    const pathPerResource = (median(t.path) / resources) * 1000;
    perResource.push(pathPerResource);
    rows.push([
      resources.toLocaleString('en-US'),
      `${(json.length / 1024 / 1024).toFixed(1)} MiB`,
      `${(showText.length / 1024 / 1024).toFixed(1)} MiB`,
      ms(median(t.parse)),
      ms(median(t.path)),
      times(ratio),
      `≤ ${GOAL}×`,
      verdict(ratio, GOAL),
      us((median(t.parse) / resources) * 1000),
      us(pathPerResource),
      times(medianRatio(asTheyFall.path, asTheyFall.parse)),
    ]);
  }
  const growth = perResource.at(-1)! / perResource[0]!;
  printTable(
    `Plan path (digest, mask with ${MASK_PATTERNS.length} patterns, summary, text masking, comment and summary) vs JSON.parse: alternately in one warmed process, each ending by emptying the young generation in its own time; median of per-round ratios. Last column: the same without emptying it, collections wherever they fall`,
    [
      'resources',
      'plan.json',
      'plan text',
      'JSON.parse',
      'plan path',
      'ratio',
      'goal',
      '',
      'parse / resource',
      'path / resource',
      'ratio, collections as they fall',
    ],
    rows,
  );
  console.log(
    `\nLinearity: plan path per resource at ${SIZES.at(-1)!.resources.toLocaleString('en-US')} / at ${SIZES[0]!.resources.toLocaleString('en-US')} = ${times(growth)} (goal ≤ ${LINEAR_GOAL}×) ${verdict(growth, LINEAR_GOAL)}`,
  );
}
