import assert from 'node:assert/strict';
import { test } from 'vitest';
import { planDigest } from '@iac-actions/shared/terraform/plan-digest.ts';
import { summarizePlan } from '@iac-actions/shared/terraform/plan-summary.ts';
import { syntheticPlan } from './synthetic-plan.ts';

test('the same seed gives the same plan, another seed another plan', () => {
  assert.deepEqual(syntheticPlan(300, { seed: 5 }), syntheticPlan(300, { seed: 5 }));
  assert.notDeepEqual(syntheticPlan(300, { seed: 5 }), syntheticPlan(300, { seed: 6 }));
  assert.deepEqual(syntheticPlan(50), syntheticPlan(50, { seed: 1 }));
});

test('has the requested number of resource changes, unique and in address order, across modules', () => {
  const plan = syntheticPlan(2000);
  const addresses = plan.resource_changes!.map((rc) => rc.address);
  assert.equal(addresses.length, 2000);
  assert.equal(new Set(addresses).size, 2000);
  assert.deepEqual(addresses, [...addresses].sort());
  assert.ok(addresses.some((a) => a.startsWith('module.')));
  assert.ok(addresses.some((a) => !a.startsWith('module.')));
});

test('mixes every kind of change a real plan has', () => {
  const plan = syntheticPlan(2000);
  const summary = summarizePlan(plan);
  const actions = new Set(summary.resources.map((r) => r.action));
  for (const action of ['create', 'update', 'delete', 'replace', 'read', 'no-op'])
    assert.ok(actions.has(action as never), action);
  const c = summary.counts;
  assert.ok(c.add > c.change && c.change > c.destroy && c.destroy > c.replace && c.replace > 0);
  assert.ok(c.move > 0 && c.read > 0);
  assert.ok(summary.drift.length > 0);
  assert.deepEqual(
    summary.outputs.map((o) => [o.name, o.sensitive]),
    [
      ['database_url', true],
      ['load_balancer_dns', false],
      ['regions', false],
    ],
  );
  const changes = plan.resource_changes!.map((rc) => rc.change);
  assert.ok(
    changes.some((ch) => JSON.stringify(ch.after_sensitive).includes('true')),
    'sensitive values',
  );
  assert.ok(
    changes.some((ch) => JSON.stringify(ch.after_unknown).includes('true')),
    'unknown values',
  );
  assert.ok(
    changes.some((ch) => Array.isArray((ch.after as { ingress?: unknown } | null)?.ingress)),
    'nested blocks',
  );
  // Unchanged resources are in the JSON, as in a real plan, but not in the summary.
  assert.ok(summary.resources.length < plan.resource_changes!.length);
});

test('is plain JSON: the digest survives a round trip through text', () => {
  const plan = syntheticPlan(500, { seed: 9 });
  assert.equal(planDigest(JSON.parse(JSON.stringify(plan))), planDigest(plan));
});
