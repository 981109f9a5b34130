import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'vitest';
import { canonicalJson, planDigest } from './plan-digest.ts';
import { fixtureNames, readJson } from './plan-text.test-helper.ts';
import type { JsonPlan, JsonResourceChange } from './plan-types.ts';
import { syntheticPlan } from '../../../../test/terraform/synthetic-plan.ts';

/** Every JSON plan among the fixtures, by a readable name. */
function allFixturePlans(): [string, JsonPlan][] {
  return [
    ...fixtureNames('equivalence').map((name): [string, JsonPlan] => [
      `equivalence/${name}`,
      readJson('equivalence', name, 'plan.json'),
    ]),
    ...fixtureNames('show-json', '.json').map((name): [string, JsonPlan] => [
      `show-json/${name}`,
      readJson('show-json', name),
    ]),
    ...fixtureNames('json-ui').flatMap((name) =>
      ['plan-redacted.json', 'plan-unredacted.json'].map((file): [string, JsonPlan] => [
        `json-ui/${name}/${file}`,
        readJson('json-ui', name, file),
      ]),
    ),
  ];
}

/** The same JSON with every object's keys in another order (reversed, or rotated by depth). */
function reorderKeys(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).reverse();
  const rotated = [...keys.slice(depth % Math.max(keys.length, 1)), ...keys.slice(0, depth % Math.max(keys.length, 1))];
  const out: Record<string, unknown> = {};
  for (const key of rotated) out[key] = reorderKeys((value as Record<string, unknown>)[key], depth + 1);
  return out;
}

const clone = (plan: JsonPlan): JsonPlan => structuredClone(plan);

/** A plan whose resource, output and drift each can be edited in one place. */
function samplePlan(): JsonPlan {
  return {
    format_version: '1.2',
    terraform_version: '1.9.8',
    timestamp: '2025-01-01T00:00:00Z',
    variables: { region: { value: 'eu-west-1' } },
    resource_changes: [
      {
        address: 'aws_instance.web',
        mode: 'managed',
        type: 'aws_instance',
        name: 'web',
        provider_name: 'registry.terraform.io/hashicorp/aws',
        change: {
          actions: ['update'],
          before: { ami: 'ami-1', tags: { Name: 'web' }, password: 'old' },
          after: { ami: 'ami-2', tags: { Name: 'web' }, password: 'new' },
          after_unknown: { arn: false },
          before_sensitive: { password: true },
          after_sensitive: { password: true },
        },
      },
      {
        address: 'aws_instance.same',
        mode: 'managed',
        type: 'aws_instance',
        name: 'same',
        provider_name: 'registry.terraform.io/hashicorp/aws',
        change: { actions: ['no-op'], before: { ami: 'ami-1' }, after: { ami: 'ami-1' } },
      },
    ],
    resource_drift: [
      {
        address: 'aws_instance.web',
        mode: 'managed',
        type: 'aws_instance',
        name: 'web',
        provider_name: 'registry.terraform.io/hashicorp/aws',
        change: { actions: ['update'], before: { ami: 'ami-0' }, after: { ami: 'ami-1' } },
      },
    ],
    output_changes: {
      ip: { actions: ['update'], before: '10.0.0.1', after: '10.0.0.2', after_unknown: false },
      same: { actions: ['no-op'], before: 'x', after: 'x' },
    },
    prior_state: { values: { root_module: { resources: [{ values: { ami: 'ami-1' } }] } } },
    planned_values: { root_module: { resources: [{ values: { ami: 'ami-2' } }] } },
    configuration: { root_module: {} },
  };
}

const web = (plan: JsonPlan) => plan.resource_changes![0]!;

describe('planDigest', () => {
  test('is a lowercase hex SHA-256 of the documented canonical form', () => {
    const plan = samplePlan();
    // Written out by hand from the comment in plan-digest.ts: tf-apply and
    // replan-and-compare depend on this exact text.
    const canonical =
      '{"output_changes":{"ip":{"actions":["update"],"after":"10.0.0.2","after_unknown":false,"before":"10.0.0.1"}},' +
      '"resource_changes":[{"actions":["update"],"address":"aws_instance.web",' +
      '"after":{"ami":"ami-2","password":"new","tags":{"Name":"web"}},"after_sensitive":{"password":true},' +
      '"after_unknown":{"arn":false},"before":{"ami":"ami-1","password":"old","tags":{"Name":"web"}},' +
      '"before_sensitive":{"password":true},"mode":"managed","provider_name":"registry.terraform.io/hashicorp/aws",' +
      '"type":"aws_instance"}],"version":1}';
    assert.equal(planDigest(plan), createHash('sha256').update(canonical).digest('hex'));
    assert.match(planDigest(plan), /^[0-9a-f]{64}$/);
  });

  for (const [name, plan] of allFixturePlans()) {
    test(`${name}: the same whatever the key order and whitespace of the JSON text`, () => {
      const digest = planDigest(plan);
      assert.match(digest, /^[0-9a-f]{64}$/);
      const reparsed = JSON.parse(JSON.stringify(reorderKeys(plan), null, 3)) as JsonPlan;
      assert.equal(planDigest(reparsed), digest);
    });
  }

  test('the same for a large plan re-serialised with other key order, and for resources in another order', () => {
    const plan = syntheticPlan(2000, { seed: 7 });
    const digest = planDigest(plan);
    assert.equal(planDigest(JSON.parse(JSON.stringify(reorderKeys(plan))) as JsonPlan), digest);
    assert.equal(planDigest({ ...plan, resource_changes: [...plan.resource_changes!].reverse() }), digest);
    assert.notEqual(planDigest(syntheticPlan(2000, { seed: 8 })), digest);
  });

  test('the same when only some resources have keys out of order: the first, the last, and some between', () => {
    const plan = syntheticPlan(300, { seed: 9 });
    const digest = planDigest(plan);
    const changes = plan.resource_changes!;
    const mixed = changes.map((rc, i) =>
      i === 0 || i === changes.length - 1 || i % 7 === 3 || i === 4 ? (reorderKeys(rc) as JsonResourceChange) : rc,
    );
    // Those resources are written in another order, not only parsed so.
    assert.notEqual(JSON.stringify(mixed[4]), JSON.stringify(changes[4]));
    assert.equal(planDigest({ ...plan, resource_changes: mixed }), digest);
  });

  test('a Terraform Cloud redacted plan digests like its unredacted twin', () => {
    for (const name of fixtureNames('json-ui')) {
      assert.equal(
        planDigest(readJson('json-ui', name, 'plan-redacted.json')),
        planDigest(readJson('json-ui', name, 'plan-unredacted.json')),
        name,
      );
    }
  });

  const changes: [string, (plan: JsonPlan) => void][] = [
    ['a planned value', (p) => ((web(p).change.after as { tags: { Name: string } }).tags.Name = 'web2')],
    ['a sensitive planned value', (p) => ((web(p).change.after as { password: string }).password = 'newer')],
    ['an action', (p) => (web(p).change.actions = ['delete', 'create'])],
    ['an unknown marker', (p) => (web(p).change.after_unknown = { arn: true })],
    ['a sensitive marker', (p) => (web(p).change.after_sensitive = { password: true, ami: true })],
    ['an action reason', (p) => (web(p).action_reason = 'replace_because_tainted')],
    ['a replace path', (p) => (web(p).change.replace_paths = [['ami']])],
    ['an import', (p) => (web(p).change.importing = { id: 'i-123' })],
    ['an address', (p) => (web(p).address = 'aws_instance.web2')],
    ['a move', (p) => (p.resource_changes![1]!.previous_address = 'aws_instance.old')],
    ['a no-op becoming a change', (p) => (p.resource_changes![1]!.change.actions = ['update'])],
    ['an output value', (p) => (p.output_changes!.ip!.after = '10.0.0.3')],
    ['an output sensitivity', (p) => (p.output_changes!.ip!.after_sensitive = true)],
    ['an added resource change', (p) => p.resource_changes!.push({ ...web(p), address: 'aws_instance.extra' })],
    ['a number type (1 vs "1")', (p) => ((web(p).change.after as { ami: unknown }).ami = 1)],
  ];
  for (const [what, edit] of changes) {
    test(`changes with ${what}`, () => {
      const plan = samplePlan();
      const edited = clone(plan);
      edit(edited);
      assert.notEqual(planDigest(edited), planDigest(plan));
    });
  }

  const noChange: [string, (plan: JsonPlan) => void][] = [
    ['the timestamp', (p) => (p.timestamp = '2030-06-06T06:06:06Z')],
    ['the tool version', (p) => (p.terraform_version = '1.10.0')],
    ['the format version', (p) => (p.format_version = '1.3')],
    ['the prior state', (p) => (p.prior_state = { values: {} })],
    ['the planned values', (p) => delete p.planned_values],
    ['the configuration', (p) => (p.configuration = { root_module: { variables: {} } })],
    ['the drift', (p) => (p.resource_drift = [])],
    ['the variables', (p) => (p.variables = { region: { value: 'us-east-1' } })],
    ['a no-op resource', (p) => (p.resource_changes![1]!.change.before = { ami: 'ami-9' })],
    ['a no-op output', (p) => (p.output_changes!.same!.after = 'y')],
    ['relevant attributes and checks', (p) => Object.assign(p, { relevant_attributes: [{}], checks: [{}] })],
  ];
  for (const [what, edit] of noChange) {
    test(`ignores ${what}`, () => {
      const plan = samplePlan();
      const edited = clone(plan);
      edit(edited);
      assert.equal(planDigest(edited), planDigest(plan));
    });
  }
});

describe('canonicalJson', () => {
  test('sorts keys at every depth, integer-like keys too, and writes JCS numbers', () => {
    assert.equal(
      canonicalJson({ b: [1, 'x', { d: null, c: true }], a: -0, e: 1e21, 10: 'ten', 9: 'nine', é: '"\n' }),
      '{"10":"ten","9":"nine","a":0,"b":[1,"x",{"c":true,"d":null}],"e":1e+21,"é":"\\"\\n"}',
    );
  });

  test('takes the fast path only when the keys are already in order, with the same result', () => {
    const sorted = { a: { b: 1, c: [{ d: 2, e: 3 }] } };
    const unsorted = { a: { c: [{ e: 3, d: 2 }], b: 1 } };
    assert.equal(canonicalJson(sorted), '{"a":{"b":1,"c":[{"d":2,"e":3}]}}');
    assert.equal(canonicalJson(unsorted), canonicalJson(sorted));
  });
});
