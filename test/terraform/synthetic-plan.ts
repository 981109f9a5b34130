import type { JsonAction, JsonPlan, JsonResourceChange } from '@iac-actions/shared/terraform/plan-types.ts';

// A made-up but realistic `terraform show -json` plan of any size, for the
// end-to-end tests and the benchmark: AWS-like resources in modules, nested
// blocks, provider-marked secrets, values known only after apply, moves,
// replacements, data sources, drift and outputs. Deterministic for a seed.

export interface SyntheticPlanOptions {
  /** Same seed, same plan (default 1). */
  seed?: number;
}

/** mulberry32: small, fast, and good enough to shuffle test data. */
function randomGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Random {
  next: () => number;
  int: (min: number, max: number) => number;
  pick: <T>(items: readonly T[]) => T;
  hex: (length: number) => string;
}

function random(seed: number): Random {
  const next = randomGenerator(seed);
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    hex: (length) => {
      let out = '';
      while (out.length < length)
        out += Math.floor(next() * 0x100000000)
          .toString(16)
          .padStart(8, '0');
      return out.slice(0, length);
    },
  };
}

type Values = Record<string, unknown>;

interface Kind {
  type: string;
  provider: string;
  mode: 'managed' | 'data';
  /** The object's attributes; `variant` changes a few of them (an update). */
  values: (r: Random, name: string, variant: number) => Values;
  /** Attributes the provider marks sensitive (after_sensitive/before_sensitive). */
  sensitive: (values: Values) => unknown;
  /** Attributes known only after apply when created. */
  computed: string[];
  /** Attributes whose change forces replacement. */
  forcesNew: string;
}

const AWS = 'registry.terraform.io/hashicorp/aws';
const RANDOM = 'registry.terraform.io/hashicorp/random';
const KUBERNETES = 'registry.terraform.io/hashicorp/kubernetes';
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'] as const;

const tags = (r: Random, name: string, variant: number): Values => ({
  Name: name,
  environment: r.pick(ENVIRONMENTS),
  owner: `team-${r.int(1, 40)}`,
  revision: String(variant),
});

const KINDS: readonly Kind[] = [
  {
    type: 'aws_instance',
    provider: AWS,
    mode: 'managed',
    values: (r, name, variant) => ({
      ami: `ami-${r.hex(17)}`,
      arn: `arn:aws:ec2:${r.pick(REGIONS)}:123456789012:instance/i-${r.hex(17)}`,
      id: `i-${r.hex(17)}`,
      instance_type: variant % 2 ? 't3.large' : 't3.micro',
      monitoring: variant % 3 === 0,
      root_block_device: [{ encrypted: true, volume_size: 20 + 10 * variant, volume_type: 'gp3', tags: null }],
      tags: tags(r, name, variant),
      user_data: `#!/bin/bash\necho "starting ${name}"\nsystemctl enable --now app@${variant}\n`,
      vpc_security_group_ids: [`sg-${r.hex(17)}`, `sg-${r.hex(17)}`],
      metadata_options: [{ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 }],
    }),
    sensitive: () => ({ root_block_device: [{}], tags: {}, vpc_security_group_ids: [false, false] }),
    computed: ['arn', 'id'],
    forcesNew: 'ami',
  },
  {
    type: 'aws_s3_bucket',
    provider: AWS,
    mode: 'managed',
    values: (r, name, variant) => ({
      arn: `arn:aws:s3:::${name.replace(/[^a-z0-9-]/g, '-')}-${r.hex(6)}`,
      bucket: `${name.replace(/[^a-z0-9-]/g, '-')}-${r.hex(6)}`,
      force_destroy: variant > 1,
      id: `${name}-${r.hex(6)}`,
      tags: tags(r, name, variant),
      versioning: [{ enabled: variant % 2 === 1, mfa_delete: false }],
      lifecycle_rule: [
        { id: 'expire-logs', enabled: true, prefix: 'logs/', expiration: [{ days: 30 * (variant + 1) }] },
      ],
    }),
    sensitive: () => ({ tags: {}, versioning: [{}], lifecycle_rule: [{ expiration: [{}] }] }),
    computed: ['arn', 'id'],
    forcesNew: 'bucket',
  },
  {
    type: 'aws_db_instance',
    provider: AWS,
    mode: 'managed',
    values: (r, name, variant) => ({
      allocated_storage: 20 * (variant + 1),
      endpoint: `${name}.${r.hex(12)}.eu-west-1.rds.amazonaws.com:5432`,
      engine: 'postgres',
      engine_version: `16.${variant + 1}`,
      id: `db-${r.hex(26)}`,
      identifier: name.replace(/[^a-z0-9-]/g, '-'),
      instance_class: 'db.t4g.medium',
      password: `pw-${r.hex(24)}`,
      port: 5432,
      username: 'app',
      tags: tags(r, name, variant),
    }),
    sensitive: () => ({ password: true, tags: {} }),
    computed: ['endpoint', 'id'],
    forcesNew: 'identifier',
  },
  {
    type: 'aws_security_group',
    provider: AWS,
    mode: 'managed',
    values: (r, name, variant) => ({
      description: `Managed by Terraform for ${name}`,
      id: `sg-${r.hex(17)}`,
      name,
      ingress: Array.from({ length: 1 + (variant % 3) }, (_, i) => ({
        cidr_blocks: [`10.${r.int(0, 255)}.0.0/16`],
        description: `rule ${i}`,
        from_port: 443 + i,
        ipv6_cidr_blocks: [],
        protocol: 'tcp',
        self: false,
        to_port: 443 + i,
      })),
      egress: [{ cidr_blocks: ['0.0.0.0/0'], from_port: 0, protocol: '-1', self: false, to_port: 0 }],
      tags: tags(r, name, variant),
    }),
    sensitive: (values) => ({
      ingress: (values.ingress as unknown[]).map(() => ({ cidr_blocks: [false], ipv6_cidr_blocks: [] })),
      egress: [{ cidr_blocks: [false] }],
      tags: {},
    }),
    computed: ['id'],
    forcesNew: 'name',
  },
  {
    type: 'aws_iam_role',
    provider: AWS,
    mode: 'managed',
    values: (r, name, variant) => ({
      arn: `arn:aws:iam::123456789012:role/${name}`,
      assume_role_policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: `ec2.amazonaws.com` },
            Sid: `v${variant}`,
          },
        ],
      }),
      id: name,
      max_session_duration: 3600 * (variant + 1),
      name,
      path: '/',
      tags: tags(r, name, variant),
    }),
    sensitive: () => ({ tags: {} }),
    computed: ['arn', 'id'],
    forcesNew: 'name',
  },
  {
    type: 'random_password',
    provider: RANDOM,
    mode: 'managed',
    values: (r, _name, variant) => ({
      id: 'none',
      length: 24 + variant,
      special: true,
      result: `${r.hex(12)}!${r.hex(11)}`,
      bcrypt_hash: `$2a$10$${r.hex(53)}`,
    }),
    sensitive: () => ({ result: true, bcrypt_hash: true }),
    computed: ['result', 'bcrypt_hash', 'id'],
    forcesNew: 'length',
  },
  {
    type: 'kubernetes_secret',
    provider: KUBERNETES,
    mode: 'managed',
    values: (r, name, variant) => ({
      id: `apps/${name}`,
      metadata: [{ name, namespace: 'apps', labels: { app: name, revision: String(variant) } }],
      data: { api_token: `tok_${r.hex(32)}`, 'config.yaml': `level: ${variant ? 'debug' : 'info'}\n` },
      type: 'Opaque',
    }),
    sensitive: () => ({ data: true, metadata: [{ labels: {} }] }),
    computed: ['id'],
    forcesNew: 'type',
  },
  {
    type: 'aws_ami',
    provider: AWS,
    mode: 'data',
    values: (r, name) => ({
      id: `ami-${r.hex(17)}`,
      most_recent: true,
      name_regex: `^${name}-.*`,
      owners: ['amazon'],
      tags: {},
    }),
    sensitive: () => ({ owners: [false], tags: {} }),
    computed: ['id'],
    forcesNew: 'name_regex',
  },
];

const MANAGED_KINDS = KINDS.filter((kind) => kind.mode === 'managed');
const DATA_KIND = KINDS.find((kind) => kind.mode === 'data') as Kind;

type Scenario = 'create' | 'update' | 'delete' | 'replace' | 'move' | 'move-update' | 'read' | 'unchanged';

/** Roughly the mix of a large real plan: mostly creations and updates, some of everything else. */
function scenario(r: Random): Scenario {
  const x = r.next();
  if (x < 0.4) return 'create';
  if (x < 0.65) return 'update';
  if (x < 0.73) return 'delete';
  if (x < 0.81) return 'replace';
  if (x < 0.85) return 'move';
  if (x < 0.88) return 'move-update';
  if (x < 0.91) return 'read';
  return 'unchanged';
}

/** A copy with object keys sorted at every depth, as Terraform writes values. */
function sorted<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sorted) as T;
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) out[key] = sorted(record[key]);
  return out as T;
}

function unknownMarkers(computed: readonly string[]): Values {
  return Object.fromEntries(computed.map((attribute) => [attribute, true]));
}

function withoutComputed(values: Values, computed: readonly string[]): Values {
  return Object.fromEntries(Object.entries(values).filter(([attribute]) => !computed.includes(attribute)));
}

interface StateResource {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  index?: number;
  provider_name: string;
  schema_version: number;
  values: unknown;
  sensitive_values: unknown;
}

interface StateModule {
  resources: StateResource[];
  child_modules?: (StateModule & { address: string })[];
}

/** Nests resources into root_module/child_modules the way Terraform does. */
function moduleTree(byModule: Map<string, StateResource[]>): StateModule {
  const root: StateModule = { resources: byModule.get('') ?? [] };
  const children = [...byModule.keys()].filter(Boolean).sort();
  if (children.length) {
    root.child_modules = children.map((address) => ({ address, resources: byModule.get(address) ?? [] }));
  }
  return root;
}

function addTo(byModule: Map<string, StateResource[]>, module: string, resource: StateResource): void {
  const list = byModule.get(module);
  if (list) list.push(resource);
  else byModule.set(module, [resource]);
}

/**
 * A plan with `resourceCount` resource changes (every kind of action, nested
 * blocks, sensitive and unknown values, moves), a little drift, a sensitive
 * root variable and a few outputs, one of them sensitive.
 */
export function syntheticPlan(resourceCount: number, options: SyntheticPlanOptions = {}): JsonPlan {
  const r = random(options.seed ?? 1);
  const resourceChanges: JsonResourceChange[] = [];
  const resourceDrift: JsonResourceChange[] = [];
  const planned = new Map<string, StateResource[]>();
  const prior = new Map<string, StateResource[]>();
  const moduleCount = Math.max(1, Math.ceil(resourceCount / 200));

  for (let i = 0; i < resourceCount; i++) {
    const what = scenario(r);
    const kind = what === 'read' ? DATA_KIND : r.pick(MANAGED_KINDS);
    const moduleIndex = i % (moduleCount + 1);
    const module = moduleIndex === 0 ? '' : `module.service_${moduleIndex}`;
    const name = `${kind.type.replace(/^[a-z]+_/, '')}_${i}`;
    const count = r.int(0, 3);
    const local = `${kind.mode === 'data' ? 'data.' : ''}${kind.type}.${name}[${count}]`;
    const address = module ? `${module}.${local}` : local;

    const old = sorted(kind.values(r, name, 0));
    const changed = what === 'update' || what === 'move-update' ? sorted(kind.values(r, name, 1)) : old;
    let actions: JsonAction[];
    let before: Values | null = old;
    let after: Values | null = changed;
    let afterUnknown: Values = {};
    const rc: Partial<JsonResourceChange> = {};
    switch (what) {
      case 'create':
        actions = ['create'];
        before = null;
        after = withoutComputed(old, kind.computed);
        afterUnknown = unknownMarkers(kind.computed);
        break;
      case 'read':
        actions = ['read'];
        before = null;
        after = withoutComputed(old, kind.computed);
        afterUnknown = unknownMarkers(kind.computed);
        rc.action_reason = 'read_because_config_unknown';
        break;
      case 'delete':
        actions = ['delete'];
        after = null;
        rc.action_reason = 'delete_because_no_resource_config';
        break;
      case 'replace': {
        actions = r.next() < 0.5 ? ['delete', 'create'] : ['create', 'delete'];
        after = sorted({
          ...withoutComputed(old, kind.computed),
          [kind.forcesNew]: `${String(old[kind.forcesNew])}-v2`,
        });
        afterUnknown = unknownMarkers(kind.computed);
        rc.action_reason = 'replace_because_cannot_update';
        break;
      }
      case 'update':
      case 'move-update':
        actions = ['update'];
        break;
      case 'move':
      case 'unchanged':
        actions = ['no-op'];
        break;
    }
    if (what === 'move' || what === 'move-update') {
      rc.previous_address = address.replace(/\[\d+\]$/, `[${count + 10}]`);
    }
    const change: JsonResourceChange['change'] = {
      actions,
      before,
      after,
      after_unknown: sorted(afterUnknown),
      before_sensitive: before === null ? false : sorted(kind.sensitive(before)),
      after_sensitive: after === null ? false : sorted(kind.sensitive(after)),
    };
    if (what === 'replace') change.replace_paths = [[kind.forcesNew]];

    resourceChanges.push({
      address,
      ...(rc.previous_address ? { previous_address: rc.previous_address } : {}),
      ...(module ? { module_address: module } : {}),
      mode: kind.mode,
      type: kind.type,
      name,
      index: count,
      provider_name: kind.provider,
      change,
      ...(rc.action_reason ? { action_reason: rc.action_reason } : {}),
    });

    const stateResource = (values: Values): StateResource => ({
      address,
      mode: kind.mode,
      type: kind.type,
      name,
      index: count,
      provider_name: kind.provider,
      schema_version: 0,
      values,
      sensitive_values: sorted(kind.sensitive(values)),
    });
    if (before !== null) addTo(prior, module, stateResource(before));
    if (after !== null) addTo(planned, module, stateResource(after));

    // Some objects were changed by hand since the last apply.
    if (before !== null && kind.mode === 'managed' && r.next() < 0.01) {
      const drifted = sorted({ ...before, tags: { ...(before.tags as Values), edited_by: 'console' } });
      resourceDrift.push({
        address,
        mode: kind.mode,
        type: kind.type,
        name,
        index: count,
        provider_name: kind.provider,
        change: {
          actions: ['update'],
          before: drifted,
          after: before,
          after_unknown: {},
          before_sensitive: sorted(kind.sensitive(drifted)),
          after_sensitive: sorted(kind.sensitive(before)),
        },
      });
    }
  }

  // Terraform lists resource changes by address.
  const byAddress = (a: JsonResourceChange, b: JsonResourceChange) => (a.address < b.address ? -1 : 1);
  resourceChanges.sort(byAddress);
  resourceDrift.sort(byAddress);

  const databasePassword = `db-${r.hex(20)}`;
  return {
    format_version: '1.2',
    terraform_version: '1.9.8',
    timestamp: '2025-01-01T00:00:00Z',
    errored: false,
    applyable: true,
    complete: true,
    variables: {
      environment: { value: 'prod' },
      database_password: { value: databasePassword },
      instance_count: { value: resourceCount },
    },
    planned_values: {
      outputs: {
        load_balancer_dns: { sensitive: false, type: 'string' },
        database_url: { sensitive: true, type: 'string', value: `postgres://app:${databasePassword}@db:5432/app` },
      },
      root_module: moduleTree(planned),
    },
    resource_drift: resourceDrift,
    resource_changes: resourceChanges,
    output_changes: {
      load_balancer_dns: {
        actions: ['create'],
        before: null,
        after: null,
        after_unknown: true,
        before_sensitive: false,
        after_sensitive: false,
      },
      database_url: {
        actions: ['update'],
        before: `postgres://app:${databasePassword}@old-db:5432/app`,
        after: `postgres://app:${databasePassword}@db:5432/app`,
        after_unknown: false,
        before_sensitive: true,
        after_sensitive: true,
      },
      resource_count: {
        actions: ['no-op'],
        before: resourceCount,
        after: resourceCount,
        after_unknown: false,
        before_sensitive: false,
        after_sensitive: false,
      },
      regions: {
        actions: ['update'],
        before: ['eu-west-1'],
        after: ['eu-west-1', 'us-east-1'],
        after_unknown: [false, false],
        before_sensitive: [],
        after_sensitive: [],
      },
    },
    prior_state: {
      format_version: '1.0',
      terraform_version: '1.9.8',
      values: { root_module: moduleTree(prior) },
    },
    configuration: {
      provider_config: {
        aws: { name: 'aws', full_name: AWS },
        random: { name: 'random', full_name: RANDOM },
        kubernetes: { name: 'kubernetes', full_name: KUBERNETES },
      },
      root_module: {
        variables: {
          environment: { default: 'dev' },
          database_password: { sensitive: true },
          instance_count: { default: 1 },
        },
      },
    },
  };
}
