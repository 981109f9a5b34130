import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { OPENTOFU_FIXTURES } from '../../../../test/fixtures.ts';
import { driftedResources, type StackCheck } from './drift-check.ts';
import type { StackReport } from './drift-detect.ts';
import {
  driftHeadline,
  driftIssueTitle,
  ISSUE_BODY_LIMIT,
  renderDriftComment,
  renderDriftIssueBody,
  renderDriftNotification,
  renderDriftSummary,
  renderResolvedComment,
  type DriftRunInfo,
} from './drift-markdown.ts';
import { maskPlan } from './plan-mask.ts';
import { summarizePlan } from './plan-summary.ts';
import type { JsonPlan } from './plan-types.ts';

const scenario = (name: string, file: string) =>
  readFileSync(path.join(OPENTOFU_FIXTURES, 'equivalence', name, file), 'utf8');

const run: DriftRunInfo = {
  tool: 'terraform',
  mode: 'refresh-only',
  repository: 'octo-org/infra',
  runId: '4242',
  runUrl: 'https://github.com/octo-org/infra/actions/runs/4242',
  commitSha: 'c0ffee0000000000000000000000000000000001',
};

/** A stack checked against a real OpenTofu plan. */
function checked(workingDirectory: string, name: string, full = false): StackCheck {
  const plan = maskPlan(JSON.parse(scenario(name, 'plan.json')) as JsonPlan).plan;
  const outcome = { summary: summarizePlan(plan), changes: true, text: scenario(name, 'plan') };
  return {
    location: { workingDirectory, workspace: 'default' },
    status: 'drifted',
    toolVersion: '1.9.8',
    refreshOnly: outcome,
    ...(full ? { full: outcome } : {}),
    drifted: driftedResources(plan),
    durationMs: 1_250,
    secrets: [],
    log: '',
  };
}

function clean(workingDirectory: string): StackReport {
  return {
    location: { workingDirectory, workspace: 'default' },
    status: 'clean',
    drifted: [],
    durationMs: 800,
    secrets: [],
    log: '',
  };
}

function failed(workingDirectory: string, message: string): StackReport {
  return {
    location: { workingDirectory, workspace: 'prod' },
    status: 'errored',
    drifted: [],
    failure: { stage: 'init', message, reason: 'init-failed' },
    durationMs: 300,
    secrets: [],
    log: '',
  };
}

describe('drift issue texts', () => {
  it('titles the issue with the directory and workspace', () => {
    assert.equal(
      driftIssueTitle({ workingDirectory: 'infra/prod', workspace: 'default' }),
      'Drift in `infra/prod` (workspace `default`)',
    );
  });

  it('says what drifted, per resource, with the plan as a diff, what to do and the run', () => {
    const body = renderDriftIssueBody(checked('infra/prod', 'drift_refresh_only'), run);
    assert.match(body, /^### ⚠️ Drift in `infra\/prod` · workspace `default`\n/);
    assert.match(
      body,
      /\*\*1 resource changed outside Terraform:\*\*\n\n- `tfcoremock_simple_resource\.drift` — changed outside Terraform: `string`/,
    );
    assert.match(body, /<details><summary>Refresh-only plan<\/summary>\n\n```diff\n/);
    assert.match(body, /^!\s+string = "Hello, world!" -> "Hello, drift!"$/m);
    assert.match(body, /`terraform apply -refresh-only`/);
    assert.match(
      body,
      /<sub>Last checked by \[run 4242\]\(https:\/\/github\.com\/octo-org\/infra\/actions\/runs\/4242\) · commit `c0ffee0` · Terraform 1\.9\.8 · mode `refresh-only`<\/sub>$/,
    );
    assert.ok(!body.includes('Configuration not applied'));
  });

  it('adds the configuration not applied in full mode', () => {
    const body = renderDriftIssueBody(checked('infra/prod', 'drift_simple', true), {
      ...run,
      mode: 'full',
      tool: 'tofu',
    });
    assert.match(
      body,
      /\*\*Configuration not applied\*\* — Plan: 0 to add, 1 to change, 0 to destroy\.\n\n- `tfcoremock_simple_resource\.drift` — update in place/,
    );
    assert.match(body, /<summary>Plan<\/summary>/);
    assert.match(body, /OpenTofu 1\.9\.8 · mode `full`/);
  });

  it("fits GitHub's limit with a huge plan and thousands of drifted resources, counting the rest", () => {
    const check = checked('infra/prod', 'drift_refresh_only');
    check.drifted = Array.from({ length: 5_000 }, (_, i) => ({
      address: `null_resource.n[${i}]`,
      change: 'changed' as const,
      attributes: ['triggers'],
    }));
    check.refreshOnly!.text = Array.from({ length: 50_000 }, (_, i) => `  ~ line ${i}`).join('\n');
    const body = renderDriftIssueBody(check, run);
    assert.ok(body.length <= ISSUE_BODY_LIMIT, `${body.length}`);
    assert.match(body, /- … and 4,?800 more/);
    assert.match(body, /lines omitted: the full plan is in the job log of the run/);
    assert.match(body, /<sub>Last checked by/);
  });

  it('words the comments of later runs and the closing one', () => {
    const check = checked('infra/prod', 'drift_refresh_only');
    assert.match(
      renderDriftComment(check, run, 'updated'),
      /^\*\*Drift is still there\*\*: \[run 4242\]\(.*\) checked `infra\/prod` · workspace `default` again\.\n\n\*\*1 resource changed/,
    );
    assert.match(
      renderDriftComment(check, run, 'reopened'),
      /^\*\*Drift is back\*\*: .* so this issue is open again\./,
    );
    assert.equal(
      renderResolvedComment(check, run),
      '✅ **No drift**: [run 4242](https://github.com/octo-org/infra/actions/runs/4242) found `infra/prod` · workspace `default` matching the real infrastructure again. Closing.',
    );
  });
});

describe('drift job summary', () => {
  it('has a row for every stack and the details of drifted and failed ones', () => {
    const reports: StackReport[] = [
      {
        ...checked('infra/app', 'drift_refresh_only'),
        issue: { number: 7, url: 'https://github.com/o/r/issues/7', action: 'opened' },
      },
      clean('infra/db'),
      failed('infra/net', 'terraform init failed: Failed to get existing workspaces\n\nAccess Denied'),
    ];
    const summary = renderDriftSummary(reports, run);
    assert.match(summary, /^## Terraform drift check: 1 of 3 stacks drifted, 1 failed\n/);
    assert.match(
      summary,
      /\| `infra\/app` \| default \| ⚠️ drifted \| 1 \| \[#7\]\(https:\/\/github\.com\/o\/r\/issues\/7\) opened \| 1\.3s \|/,
    );
    assert.match(summary, /\| `infra\/db` \| default \| ✅ clean \| 0 \| {2}\| 800ms \|/);
    assert.match(summary, /\| `infra\/net` \| prod \| ❌ failed \| {2}\| {2}\| 300ms \|/);
    assert.match(
      summary,
      /<details><summary>❌ failed — `infra\/net` · workspace `prod`<\/summary>\n\n\*\*init failed\*\* \(`init-failed`\):\n\n```\nterraform init failed/,
    );
    assert.ok(!summary.includes('<summary>✅'), 'clean stacks have no details');
  });

  it('stays within the summary limit with many big stacks', () => {
    const reports = Array.from({ length: 200 }, (_, i) => {
      const check = checked(`stacks/s${i}`, 'drift_refresh_only');
      check.refreshOnly!.text = 'x'.repeat(100_000);
      return check;
    });
    const summary = renderDriftSummary(reports, run, 512 * 1024);
    assert.ok(Buffer.byteLength(summary) <= 512 * 1024, `${Buffer.byteLength(summary)}`);
    assert.equal(summary.match(/<summary>⚠️ drifted/g)?.length, 200, 'every stack keeps its details');
  });

  it('has a headline for each outcome', () => {
    assert.equal(driftHeadline([clean('a'), clean('b')]), 'no drift in 2 stacks');
    assert.equal(driftHeadline([clean('a'), failed('b', 'x')]), 'no drift, 1 of 2 stacks failed');
    assert.equal(driftHeadline([checked('a', 'drift_refresh_only')]), '1 of 1 stack drifted');
  });
});

describe('drift notification', () => {
  it('names the drifted stacks with their issues and the failed ones with their error', () => {
    const message = renderDriftNotification(
      [
        {
          ...checked('infra/app', 'drift_refresh_only'),
          issue: { number: 7, url: 'https://github.com/o/r/issues/7', action: 'updated' },
        },
        clean('infra/db'),
        failed('infra/<net>', 'terraform init failed: <nil> & more\nsecond line'),
      ],
      run,
    );
    assert.equal(
      message.text,
      'Terraform drift check of octo-org/infra: 1 of 3 stacks drifted, 1 failed (Drifted: 1, Failed: 1)',
    );
    const blocks = JSON.stringify(message.blocks);
    assert.ok(
      blocks.includes(
        '*Drifted*\\n• `infra/app` (default) — 1 resource changed — <https://github.com/o/r/issues/7|#7>',
      ),
      blocks,
    );
    assert.ok(
      blocks.includes('*Failed*\\n• `infra/&lt;net&gt;` (prod) — terraform init failed: &lt;nil&gt; &amp; more"'),
      blocks,
    );
    assert.ok(blocks.includes('<https://github.com/octo-org/infra/actions/runs/4242|View the run>'));
  });
});
