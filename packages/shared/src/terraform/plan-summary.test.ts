import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { formatPlanLine, planHeadline, summarizePlan } from './plan-summary.ts';
import { fixtureNames, parsePlanText, readJson, readText, type TextResource } from './plan-text.test-helper.ts';
import type { JsonAction, JsonPlan, JsonResourceChange, PlanSummary } from './plan-types.ts';

function asText(summary: PlanSummary['resources']): TextResource[] {
  return summary.map((r) => ({
    address: r.address,
    action: r.action,
    ...(r.movedFrom ? { movedFrom: r.movedFrom } : {}),
    ...(r.deposed ? { deposed: r.deposed } : {}),
  }));
}

const byAddress = (a: { address: string }, b: { address: string }) => (a.address < b.address ? -1 : 1);

/** The drift Terraform prints: all of it in a refresh-only plan, else only what `relevant_attributes` names. */
function shownDrift(plan: JsonPlan, summary: PlanSummary): PlanSummary['drift'] {
  if (!plan.resource_changes?.length) return summary.drift;
  const relevant = (plan.relevant_attributes ?? []) as { resource?: string }[];
  return summary.drift.filter((d) => relevant.some((attr) => !attr.resource || attr.resource === d.address));
}

/** `  + name = ...` lines of the "Changes to Outputs:" section. */
function outputsInText(text: string): { name: string; symbol: string }[] {
  const section = text.split('\nChanges to Outputs:\n')[1];
  if (section === undefined) return [];
  return [...section.matchAll(/^ {2}([+~-]) (\S+)\s+=/gm)].map((m) => ({ symbol: m[1]!, name: m[2]! }));
}

describe('summarizePlan agrees with the plan text OpenTofu printed', () => {
  for (const scenario of fixtureNames('equivalence')) {
    test(scenario, () => {
      const plan = readJson('equivalence', scenario, 'plan.json');
      const text = parsePlanText(readText('equivalence', scenario, 'plan'));
      const summary = summarizePlan(plan);

      if (text.planLine) assert.equal(formatPlanLine(summary.counts), text.planLine);
      else assert.deepEqual([summary.counts.add, summary.counts.change, summary.counts.destroy], [0, 0, 0]);
      assert.equal(summary.hasChanges && text.noChanges, false);

      assert.deepEqual(asText(summary.resources), text.resources.sort(byAddress));
      assert.equal(summary.counts.move, text.resources.filter((r) => r.movedFrom).length);
      assert.deepEqual(
        shownDrift(plan, summary).map((d) => ({ address: d.address, action: d.action })),
        text.drift.sort(byAddress),
      );

      const outputs = outputsInText(readText('equivalence', scenario, 'plan'));
      const symbol = { create: '+', update: '~', delete: '-' } as const;
      assert.deepEqual(
        summary.outputs.map((o) => ({ name: o.name, symbol: symbol[o.action as keyof typeof symbol] })),
        outputs,
      );
      // Applying changes something exactly when the CLI lists something to do.
      assert.equal(summary.hasChanges, text.resources.length > 0 || outputs.length > 0);
      assert.equal(summary.errored, false);
    });
  }

  test('drift_simple: drift is reported even where the text leaves it out as irrelevant', () => {
    const summary = summarizePlan(readJson('equivalence', 'drift_simple', 'plan.json'));
    assert.deepEqual(
      summary.drift.map((d) => [d.address, d.action]),
      [['tfcoremock_simple_resource.drift', 'update']],
    );
  });

  test('drift_refresh_only: drift alone is not a change to apply', () => {
    const summary = summarizePlan(readJson('equivalence', 'drift_refresh_only', 'plan.json'));
    assert.equal(summary.hasChanges, false);
    assert.equal(planHeadline(summary), 'No changes.');
    assert.equal(summary.drift.length, 1);
  });
});

describe('summarizePlan on show -json cases', () => {
  const show = (name: string) => summarizePlan(readJson('show-json', `${name}.json`));

  for (const name of fixtureNames('show-json', '.json')) {
    test(`${name}: counts agree with the resource list, sorted by address`, () => {
      const summary = summarizePlan(readJson('show-json', name));
      const count = (action: string) => summary.resources.filter((r) => r.action === action).length;
      const c = summary.counts;
      assert.equal(c.add, count('create') + count('replace'));
      assert.equal(c.change, count('update'));
      assert.equal(c.destroy, count('delete') + count('replace'));
      assert.equal(c.replace, count('replace'));
      assert.equal(c.move, summary.resources.filter((r) => r.movedFrom).length);
      const addresses = summary.resources.map((r) => r.address);
      assert.deepEqual(addresses, [...addresses].sort());
    });
  }

  test('basic-create: three creations and a new output', () => {
    const summary = show('basic-create');
    assert.equal(formatPlanLine(summary.counts), 'Plan: 3 to add, 0 to change, 0 to destroy.');
    assert.deepEqual(
      summary.resources.map((r) => r.address),
      ['test_instance.test[0]', 'test_instance.test[1]', 'test_instance.test[2]'],
    );
    assert.deepEqual(summary.outputs, [{ name: 'test', action: 'create', sensitive: false }]);
    assert.equal(planHeadline(summary), '3 to add, 0 to change, 0 to destroy, 1 output change');
  });

  test('basic-delete: the reason of a deletion is kept', () => {
    const deleted = show('basic-delete').resources.find((r) => r.action === 'delete');
    assert.equal(deleted?.address, 'test_instance.test-delete');
    assert.equal(deleted?.actionReason, 'delete_because_no_resource_config');
  });

  test('basic-update: a no-op plan has no changes', () => {
    const summary = show('basic-update');
    assert.deepEqual(summary.resources, []);
    assert.deepEqual(summary.outputs, []);
    assert.equal(summary.hasChanges, false);
    assert.equal(planHeadline(summary), 'No changes.');
  });

  test('requires-replace: a replacement counts in add and destroy, with its reason', () => {
    const summary = show('requires-replace');
    assert.deepEqual(summary.resources, [
      {
        address: 'test_instance.test',
        action: 'replace',
        actions: ['delete', 'create'],
        actionReason: 'replace_because_cannot_update',
        type: 'test_instance',
        mode: 'managed',
        providerName: 'registry.opentofu.org/hashicorp/test',
      },
    ]);
    assert.equal(formatPlanLine(summary.counts), 'Plan: 1 to add, 0 to change, 1 to destroy.');
    assert.equal(planHeadline(summary), '1 to add, 0 to change, 1 to destroy (1 replaced)');
  });

  test('moved: a move with an update', () => {
    const summary = show('moved');
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.action, r.movedFrom]),
      [['test_instance.baz', 'update', 'test_instance.foo']],
    );
    assert.equal(summary.counts.move, 1);
    assert.equal(planHeadline(summary), '0 to add, 1 to change, 0 to destroy, 1 moved');
  });

  test('multi-resource-update: a move-only no-op is kept, counted as a move only', () => {
    const summary = show('multi-resource-update');
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.action, r.movedFrom]),
      [
        ['test_instance.test[0]', 'no-op', 'test_instance.test'],
        ['test_instance.test[1]', 'create', undefined],
      ],
    );
    assert.equal(formatPlanLine(summary.counts), 'Plan: 1 to add, 0 to change, 0 to destroy.');
    assert.equal(summary.toolVersion, '0.13.0');
  });

  test('drift and moved-drift: changes made outside are listed', () => {
    assert.deepEqual(
      show('drift').drift.map((d) => [d.address, d.action]),
      [['test_instance.should_refresh', 'update']],
    );
    assert.deepEqual(
      show('moved-drift').drift.map((d) => [d.address, d.action]),
      [['test_instance.should_refresh_with_move', 'update']],
    );
  });

  test('plan-error: an errored plan', () => {
    const summary = show('plan-error');
    assert.equal(summary.errored, true);
    assert.deepEqual(summary.resources, []);
    assert.equal(summary.hasChanges, false);
  });

  test('modules and nested-modules: module addresses', () => {
    assert.deepEqual(
      show('modules').resources.map((r) => r.address),
      [
        'module.module_test_bar.test_instance.test',
        'module.module_test_foo.test_instance.test[0]',
        'module.module_test_foo.test_instance.test[1]',
        'module.module_test_foo.test_instance.test[2]',
      ],
    );
    assert.deepEqual(
      show('nested-modules').resources.map((r) => r.address),
      ['module.my_module.module.more.test_instance.test'],
    );
  });

  test('conditions: the tool version comes from the plan', () => {
    assert.equal(show('conditions').toolVersion, '1.2.0-dev');
    assert.equal(show('basic-create').toolVersion, undefined);
  });

  test('unknown-output and sensitive-values: output changes alone are changes', () => {
    const unknown = show('unknown-output');
    assert.deepEqual(
      unknown.outputs.map((o) => o.name),
      ['bar', 'baz', 'foo'],
    );
    assert.equal(unknown.hasChanges, true);
    assert.deepEqual(show('sensitive-values').outputs, [{ name: 'test', action: 'create', sensitive: true }]);
  });
});

describe('summarizePlan on json-ui plans (Terraform Cloud redacted and unredacted)', () => {
  test('plan-json-basic: the counts of the change_summary message', () => {
    for (const file of ['plan-redacted.json', 'plan-unredacted.json']) {
      const summary = summarizePlan(readJson('json-ui', 'plan-json-basic', file));
      assert.equal(formatPlanLine(summary.counts), 'Plan: 1 to add, 0 to change, 0 to destroy.');
      assert.deepEqual(
        summary.resources.map((r) => [r.address, r.action]),
        [['null_resource.foo', 'create']],
      );
    }
  });

  test('plan-json-no-changes: no changes', () => {
    for (const file of ['plan-redacted.json', 'plan-unredacted.json']) {
      const summary = summarizePlan(readJson('json-ui', 'plan-json-no-changes', file));
      assert.equal(formatPlanLine(summary.counts), 'Plan: 0 to add, 0 to change, 0 to destroy.');
      assert.equal(summary.hasChanges, false);
    }
  });

  test('plan-json-full: both forms agree; the redacted one carries the drift', () => {
    // Its plan.log comes from another run (it updates what these plans create), so only the JSON is compared.
    const redacted = summarizePlan(readJson('json-ui', 'plan-json-full', 'plan-redacted.json'));
    const unredacted = summarizePlan(readJson('json-ui', 'plan-json-full', 'plan-unredacted.json'));
    assert.deepEqual(redacted.resources, unredacted.resources);
    assert.equal(formatPlanLine(redacted.counts), 'Plan: 2 to add, 0 to change, 0 to destroy.');
    assert.equal(unredacted.toolVersion, '1.4.4');
    assert.deepEqual(
      redacted.drift.map((d) => [d.address, d.action]),
      [['tfcoremock_simple_resource.example', 'delete']],
    );
  });
});

function change(address: string, actions: JsonAction[], extra: Partial<JsonResourceChange> = {}): JsonResourceChange {
  const [type = '', name = ''] = address.replace(/^data\./, '').split('.');
  return {
    address,
    mode: address.startsWith('data.') ? 'data' : 'managed',
    type,
    name,
    provider_name: 'registry.terraform.io/hashicorp/null',
    change: { actions, before: null, after: null },
    ...extra,
  };
}

function plan(...changes: JsonResourceChange[]): JsonPlan {
  return { format_version: '1.2', resource_changes: changes };
}

describe('summarizePlan rules beyond the fixtures', () => {
  test('an import-only no-op is a change, counted in the import form of the Plan line', () => {
    const summary = summarizePlan(
      plan(
        change('null_resource.a', ['no-op'], {
          change: { actions: ['no-op'], before: {}, after: {}, importing: { id: 'i-123' } },
        }),
      ),
    );
    assert.equal(summary.resources[0]?.importId, 'i-123');
    assert.equal(summary.hasChanges, true);
    assert.equal(formatPlanLine(summary.counts), 'Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.');
    assert.equal(planHeadline(summary), '0 to add, 0 to change, 0 to destroy, 1 imported');
  });

  test('an import by resource identity shows the identity', () => {
    const summary = summarizePlan(
      plan(
        change('null_resource.a', ['create'], {
          change: { actions: ['create'], before: null, after: {}, importing: { identity: { id: 'x', region: 'eu' } } },
        }),
      ),
    );
    assert.equal(summary.resources[0]?.importId, '{"id":"x","region":"eu"}');
  });

  test('forget, and an OpenTofu replacement that forgets the old object', () => {
    const summary = summarizePlan(
      plan(change('null_resource.a', ['forget']), change('null_resource.b', ['create', 'forget'])),
    );
    assert.deepEqual(
      summary.resources.map((r) => r.action),
      ['forget', 'replace'],
    );
    assert.equal(formatPlanLine(summary.counts), 'Plan: 1 to add, 0 to change, 0 to destroy, 2 to forget.');
    assert.equal(summary.hasChanges, true);
    assert.equal(
      formatPlanLine({ ...summary.counts, import: 3 }),
      'Plan: 3 to import, 1 to add, 0 to change, 0 to destroy, 2 to forget.',
    );
  });

  test('a data source read alone is not a change; a deleted data source is not shown', () => {
    const summary = summarizePlan(plan(change('data.null_data.a', ['read']), change('data.null_data.b', ['delete'])));
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.action]),
      [['data.null_data.a', 'read']],
    );
    assert.equal(summary.counts.read, 1);
    assert.equal(summary.counts.destroy, 0);
    assert.equal(summary.hasChanges, false);
  });

  test('create-before-destroy replacement and deposed objects, sorted after their address', () => {
    const summary = summarizePlan(
      plan(
        change('null_resource.b', ['create']),
        change('null_resource.a', ['delete'], { deposed: '00000002' }),
        change('null_resource.a', ['create', 'delete']),
        change('null_resource.a', ['delete'], { deposed: '00000001' }),
      ),
    );
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.deposed ?? null, r.action]),
      [
        ['null_resource.a', null, 'replace'],
        ['null_resource.a', '00000001', 'delete'],
        ['null_resource.a', '00000002', 'delete'],
        ['null_resource.b', null, 'create'],
      ],
    );
    assert.equal(formatPlanLine(summary.counts), 'Plan: 2 to add, 0 to change, 3 to destroy.');
  });

  test('a plan without resource_changes, outputs or version', () => {
    const summary = summarizePlan({ format_version: '1.0' });
    assert.deepEqual(summary, {
      errored: false,
      counts: { add: 0, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, read: 0 },
      resources: [],
      drift: [],
      outputs: [],
      hasChanges: false,
    });
  });

  test('planHeadline names everything that happens', () => {
    const summary = summarizePlan(
      plan(
        change('null_resource.a', ['create']),
        change('null_resource.b', ['delete', 'create']),
        change('null_resource.c', ['update'], { previous_address: 'null_resource.old' }),
        change('null_resource.d', ['no-op'], { previous_address: 'null_resource.e' }),
      ),
    );
    assert.equal(planHeadline(summary), '2 to add, 1 to change, 1 to destroy (1 replaced), 2 moved');
  });
});
