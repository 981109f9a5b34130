import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  fence,
  headline,
  planTextAsDiff,
  renderPlanComment,
  renderPlanSummary,
  shortenMiddle,
  type PlanReport,
} from './plan-markdown.ts';
import { readPlanMarker, renderPlanMarker } from './plan-marker.ts';
import type { PlanSummary, ResourceChangeSummary } from './plan-types.ts';

const resource = (
  address: string,
  action: ResourceChangeSummary['action'],
  extra: Partial<ResourceChangeSummary> = {},
) => ({
  address,
  action,
  actions:
    action === 'replace'
      ? (['delete', 'create'] as const).slice()
      : ([action === 'no-op' ? 'no-op' : action].flat() as ResourceChangeSummary['actions']),
  type: address.split('.')[0]!,
  mode: 'managed' as const,
  providerName: 'registry.terraform.io/hashicorp/aws',
  ...extra,
});

function summaryOf(resources: ResourceChangeSummary[], extra: Partial<PlanSummary> = {}): PlanSummary {
  const count = (a: string) => resources.filter((r) => r.action === a).length;
  return {
    errored: false,
    counts: {
      add: count('create') + count('replace'),
      change: count('update'),
      destroy: count('delete') + count('replace'),
      replace: count('replace'),
      move: resources.filter((r) => r.movedFrom).length,
      import: resources.filter((r) => r.importId !== undefined).length,
      forget: count('forget'),
      read: count('read'),
    },
    resources,
    drift: [],
    outputs: [],
    hasChanges: resources.length > 0,
    ...extra,
  };
}

const base: Omit<PlanReport, 'summary'> = {
  workingDirectory: 'infra/prod',
  workspace: 'default',
  tool: 'terraform',
  toolVersion: '1.9.8',
  commitSha: '0123456789abcdef0123456789abcdef01234567',
  digest: 'f'.repeat(64),
  artifactName: 'tfplan-infra-prod-default',
  runUrl: 'https://github.com/o/r/actions/runs/1',
  summaryUrl: 'https://github.com/o/r/actions/runs/1#summary',
};
const marker = renderPlanMarker({
  workingDirectory: 'infra/prod',
  workspace: 'default',
  label: '',
  commitSha: base.commitSha,
  runId: '1',
  status: 'planned',
});

describe('plan comment', () => {
  it('leads with the headline, counts and a warning naming what is destroyed', () => {
    const summary = summaryOf([
      resource('aws_instance.web', 'replace', { actionReason: 'replace_because_cannot_update' }),
      resource('aws_s3_bucket.logs', 'delete', { actionReason: 'delete_because_no_resource_config' }),
      resource('aws_iam_role.app', 'create'),
      resource('aws_sg.new', 'update', { movedFrom: 'aws_sg.old' }),
    ]);
    const body = renderPlanComment(
      { ...base, summary, planText: '  # aws_iam_role.app will be created\n  + resource "aws_iam_role" "app" {}' },
      marker,
    );
    assert.equal(body.split('\n')[0], marker);
    assert.match(body, /\*\*Plan: 2 to add, 1 to change, 2 to destroy \(1 replaced\), 1 moved\.\*\*/);
    assert.match(
      body,
      /> \[!WARNING\]\n> This plan \*\*destroys 2\*\* resources \(1 by replacement\): `aws_s3_bucket\.logs`, `aws_instance\.web`\./,
    );
    assert.match(
      body,
      /<details open><summary>♻️ Replace \(1\)<\/summary>\n\n- `aws_instance\.web` — an attribute forces replacement/,
    );
    assert.match(body, /- `aws_sg\.new` — moved from `aws_sg\.old`/);
    assert.match(
      body,
      /```diff\n {2}# aws_iam_role\.app will be created\n\+ {3}resource "aws_iam_role" "app" \{\}\n```/,
    );
    assert.match(body, /commit `0123456` · Terraform 1\.9\.8 · \[run\]/);
  });

  it('says there is nothing to do for an empty plan, without a warning or plan text', () => {
    const body = renderPlanComment({ ...base, summary: summaryOf([]), planText: 'No changes.' }, marker);
    assert.match(body, /\*\*No changes\. Infrastructure matches the configuration\.\*\*/);
    assert.doesNotMatch(body, /WARNING|Plan text/);
  });

  it('shows a failure in full', () => {
    const message = 'Error: Unsupported argument\n\n  on main.tf line 3:\n   3:   colour = "red"';
    const body = renderPlanComment({ ...base, failure: { stage: 'validate', message } }, marker);
    assert.match(body, /#### ❌ validate failed/);
    assert.ok(body.includes(message));
  });

  it('fits 20,000 resources under the limit with complete counts and the plan text shortened in the middle', () => {
    const resources = Array.from({ length: 20_000 }, (_, i) =>
      resource(`aws_instance.fleet[${i}]`, i % 10 === 0 ? 'delete' : 'create'),
    );
    const planText = resources
      .map(
        (r) =>
          `  # ${r.address} will be created\n  + resource "aws_instance" "fleet" {\n      + ami = "ami-123"\n    }`,
      )
      .join('\n');
    const body = renderPlanComment({ ...base, summary: summaryOf(resources), planText: planText }, marker);
    assert.ok(body.length <= 65_536, `comment is ${body.length} characters`);
    assert.match(body, /Plan: 18000 to add, 0 to change, 2000 to destroy\./);
    assert.match(body, /🗑️ Destroy \(2000\)/);
    assert.match(body, /and [\d,]+ more \(full list in the job summary\)/);
    assert.match(body, /… [\d,]+ lines omitted: the full plan is in the job summary …/);
    assert.ok(body.includes('# aws_instance.fleet[0] will be created'), 'head of the plan kept');
    assert.ok(body.includes('# aws_instance.fleet[19999] will be created'), 'tail of the plan kept');

    const summary = renderPlanSummary({ ...base, summary: summaryOf(resources), planText });
    assert.ok(Buffer.byteLength(summary) <= 1024 * 1024, `summary is ${Buffer.byteLength(summary)} bytes`);
    assert.match(summary, /Plan: 18000 to add, 0 to change, 2000 to destroy\./);
  });
});

describe('plan text helpers', () => {
  it('moves action symbols to the first column for diff colouring', () => {
    assert.equal(
      planTextAsDiff('  + resource "a" "b" {\n  ~ x = 1 -> 2\n-/+ resource "c" "d" {\n      id = "x"'),
      '+   resource "a" "b" {\n!   x = 1 -> 2\n! -/+ resource "c" "d" {\n      id = "x"',
    );
  });

  it('keeps head and tail when shortening', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const short = shortenMiddle(text, 200, 'see more');
    assert.ok(short.length <= 200);
    assert.match(short, /^line 0\nline 1\n/);
    assert.match(short, /line 99$/);
    assert.match(short, /… \d+ lines omitted: see more …/);
    assert.equal(shortenMiddle('short', 200, 'x'), 'short');
  });

  it('fences a text with more backticks than its longest run', () => {
    assert.equal(fence('a `b` ``c``', 'hcl'), '```hcl\na `b` ``c``\n```');
    assert.equal(fence('x ```y``` z'), '````\nx ```y``` z\n````');
    assert.equal(fence('`````\n```'), '``````\n`````\n```\n``````');
  });

  it('measures kept lines in bytes when asked, and counts what it omits, text after text', () => {
    const bytes = (text: string) => Buffer.byteLength(text);
    const lines = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word} ${i}`).join('\n');
    const omitted = (short: string) => Number(/… ([\d,]+) lines omitted/.exec(short)![1]!.replace(/,/g, ''));
    const kept = (short: string) => short.split('\n').length - 1; // the marker is a line of its own

    const ascii = lines(500, 'line');
    // An ASCII text's bytes are its characters: the same cut either way.
    assert.equal(shortenMiddle(ascii, 1_000, 'n', bytes), shortenMiddle(ascii, 1_000, 'n'));
    const accented = lines(500, 'ligne été');
    for (const text of [ascii, accented, lines(300, 'line')]) {
      const short = shortenMiddle(text, 1_000, 'n', bytes);
      assert.ok(bytes(short) <= 1_000, `${bytes(short)} bytes`);
      assert.equal(kept(short) + omitted(short), text.split('\n').length);
    }
  });

  it('writes the headline as Terraform counts', () => {
    assert.equal(headline(summaryOf([resource('a.b', 'create')])), 'Plan: 1 to add, 0 to change, 0 to destroy.');
  });
});

describe('plan marker', () => {
  it('round-trips and cannot be closed early by a directory name', () => {
    const data = {
      workingDirectory: 'a-->b<c>',
      workspace: 'w',
      label: 'l',
      commitSha: 'abc',
      runId: '9',
      status: 'planned' as const,
    };
    const text = renderPlanMarker(data);
    assert.equal(text.indexOf('-->'), text.length - 3);
    assert.deepEqual(readPlanMarker(`${text}\nrest`), data);
    assert.equal(readPlanMarker('<!-- something else -->'), undefined);
  });
});
