import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { ActionError } from '../action/action-error.ts';
import {
  SENSITIVE_PLACEHOLDER,
  compileMaskPatterns,
  isSecretName,
  maskPlan,
  maskTerraformValue,
  maskText,
  planSecrets,
  terraformForms,
} from './plan-mask.ts';
import { summarizePlan } from './plan-summary.ts';
import { fixtureNames, readJson } from './plan-text.test-helper.ts';
import type { JsonPlan, JsonResourceChange } from './plan-types.ts';
import { syntheticPlan } from '../../../../test/terraform/synthetic-plan.ts';

/** Every string and number under positions marked `true` (what the provider says is secret). */
function markedValues(value: unknown, marker: unknown, out: string[] = []): string[] {
  if (marker === true) {
    const walk = (v: unknown): void => {
      if (typeof v === 'string' || typeof v === 'number') out.push(String(v));
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(value);
  } else if (marker !== null && typeof marker === 'object' && value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(marker))
      markedValues((value as Record<string, unknown>)[key], child, out);
  }
  return out;
}

function markedInPlan(plan: JsonPlan): string[] {
  const out: string[] = [];
  for (const rc of [...(plan.resource_changes ?? []), ...(plan.resource_drift ?? [])]) {
    markedValues(rc.change.before, rc.change.before_sensitive, out);
    markedValues(rc.change.after, rc.change.after_sensitive, out);
  }
  for (const change of Object.values(plan.output_changes ?? {})) {
    markedValues(change.before, change.before_sensitive, out);
    markedValues(change.after, change.after_sensitive, out);
  }
  return out;
}

/** Whether `secret` is still anywhere in the serialised plan, as a JSON string or number value. */
function leaks(plan: JsonPlan, secret: string): boolean {
  const text = JSON.stringify(plan);
  return (
    text.includes(JSON.stringify(secret)) || new RegExp(`[:,\\[]${secret.replace(/\W/g, '\\$&')}[,\\]}]`).test(text)
  );
}

function allFixturePlans(): [string, JsonPlan][] {
  return [
    ...fixtureNames('equivalence').map((n): [string, JsonPlan] => [n, readJson('equivalence', n, 'plan.json')]),
    ...fixtureNames('show-json', '.json').map((n): [string, JsonPlan] => [n, readJson('show-json', n)]),
    ...fixtureNames('json-ui').flatMap((n) =>
      ['plan-redacted.json', 'plan-unredacted.json'].map((f): [string, JsonPlan] => [
        `${n}/${f}`,
        readJson('json-ui', n, f),
      ]),
    ),
  ];
}

function resource(
  address: string,
  after: unknown,
  extra: Partial<JsonResourceChange['change']> = {},
): JsonResourceChange {
  const [type = '', name = ''] = address.split('.');
  return {
    address,
    mode: 'managed',
    type,
    name,
    provider_name: 'registry.terraform.io/hashicorp/aws',
    change: {
      actions: ['create'],
      before: null,
      after,
      after_unknown: {},
      before_sensitive: false,
      after_sensitive: {},
      ...extra,
    },
  };
}

const PRIVATE_KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACDx7Wq9\n-----END OPENSSH PRIVATE KEY-----\n';

/** Secrets no provider marked, only their names give them away. */
function unmarkedSecretsPlan(): JsonPlan {
  return {
    format_version: '1.2',
    variables: {
      db_password: { value: 'var-pass-1234' },
      region: { value: 'eu-west-1' },
      settings: { value: { api_key: 'var-key-5678', retries: 3 } },
    },
    resource_changes: [
      // Appears before the attribute that reveals it is a secret.
      resource('aws_ssm_parameter.copy', { description: 'hunter2hunter2' }),
      resource('aws_db_instance.main', {
        db_password: 'hunter2hunter2',
        password_length: 16,
        token_ttl: 3600,
        token_type: 'bearer',
        secret_arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:db',
        engine: 'postgres',
      }),
      resource('null_resource.deploy', {
        api_token: 'tok-abcdef0123',
        connection: [{ host: '10.0.0.1', user: 'deploy', private_key: PRIVATE_KEY }],
        environment: [
          { name: 'DB_PASSWORD', value: 'env-pass-9876' },
          { name: 'LOG_LEVEL', value: 'debug' },
        ],
        credentials: { username: 'svc-user', client_secret: 'cs-4444', expires_in: 3600 },
      }),
    ],
    output_changes: {
      admin_password: { actions: ['create'], before: null, after: 'out-pass-1111', after_unknown: false },
      endpoint: { actions: ['create'], before: null, after: 'db.internal:5432', after_unknown: false },
    },
  };
}

describe('compileMaskPatterns', () => {
  test('one regular expression per line, blank lines ignored', () => {
    const patterns = compileMaskPatterns(['AKIA[0-9A-Z]{16}', '', '  ghp_[A-Za-z0-9]{36}  ', '(?i:bearer [a-z0-9]+)']);
    assert.equal(patterns.length, 3);
    assert.ok(patterns[0]!.test('key AKIAABCDEFGHIJKLMNOP'));
    assert.ok(patterns[2]!.test('BEARER abc123'));
  });

  test('an invalid pattern is a user error naming the input and the line', () => {
    assert.throws(
      () => compileMaskPatterns(['fine', '([a-z']),
      (error: unknown) =>
        error instanceof ActionError &&
        error.reason === 'invalid-input' &&
        error.message.startsWith("Input 'mask-patterns' ") &&
        error.message.includes('line 2') &&
        error.message.includes("'([a-z'"),
    );
  });

  test('a pattern matching the empty string is refused: it would mask everything', () => {
    assert.throws(() => compileMaskPatterns(['x*']), /Input 'mask-patterns' line 1 \('x\*'\) matches the empty string/);
  });
});

describe('isSecretName', () => {
  const secret = [
    'password',
    'db_password',
    'DB_PASSWORD',
    'dbPassword',
    'master-password',
    'passwd',
    'passphrase',
    'api_token',
    'sas_token',
    'apiKey',
    'x-api-key',
    'apikey',
    'client_secret',
    'secret',
    'secret_string',
    'private_key',
    'private_key_pem',
    'PrivateKey',
    'access_key',
    'secret_key',
    'primary_connection_string',
    'credentials',
    'credentials_json',
    'primary_access_key',
  ];
  const notSecret = [
    'token_ttl',
    'token_type',
    'password_length',
    'min_password_length',
    'password_reset_required',
    'secret_arn',
    'secret_id',
    'secret_name',
    'access_key_id',
    'token_expires_at',
    'http_tokens',
    'tokenizer',
    'passwordless',
    'name',
    'description',
    'key',
    'ami',
  ];
  for (const name of secret) test(`${name} looks secret`, () => assert.equal(isSecretName(name), true));
  for (const name of notSecret) test(`${name} does not`, () => assert.equal(isSecretName(name), false));
});

describe('maskPlan on the fixtures', () => {
  for (const [name, plan] of allFixturePlans()) {
    test(`${name}: no marked value is left, the input is untouched, the summary is the same`, () => {
      const before = JSON.stringify(plan);
      const { plan: masked, secrets } = maskPlan(plan);
      assert.equal(JSON.stringify(plan), before, 'maskPlan must not change its input');
      for (const value of markedInPlan(plan)) {
        assert.equal(leaks(masked, value), false, `${value} is still in the masked plan`);
        if (value.length >= 4) assert.ok(secrets.includes(value), `${value} is not in secrets`);
      }
      assert.deepEqual(summarizePlan(masked), summarizePlan(plan));
      assert.equal(masked.planned_values, undefined);
      assert.equal(masked.prior_state, undefined);
      assert.equal(masked.configuration, undefined);
    });
  }

  test('sensitive-values.json: the sensitive attribute, output and variable are all masked', () => {
    const plan = readJson('show-json', 'sensitive-values.json');
    assert.ok(JSON.stringify(plan).includes('boop'));
    const { plan: masked, secrets } = maskPlan(plan);
    assert.deepEqual(secrets, ['boop']);
    assert.equal(JSON.stringify(masked).includes('boop'), false);
    assert.deepEqual(masked.resource_changes![0]!.change.after, { ami: SENSITIVE_PLACEHOLDER });
    assert.equal(masked.output_changes!.test!.after, SENSITIVE_PLACEHOLDER);
    assert.equal(masked.output_changes!.test!.before, null, 'null stays null: there was no value');
    assert.equal(masked.variables!.test_var!.value, SENSITIVE_PLACEHOLDER);
  });

  test('a marked subtree is masked whole, its numbers returned as secrets and its booleans not', () => {
    const plan: JsonPlan = {
      format_version: '1.2',
      resource_changes: [
        resource(
          'kubernetes_secret.app',
          { data: { pin: 123456, enabled: true, token: 'abcd-efgh' }, type: 'Opaque' },
          { after_sensitive: { data: true } },
        ),
      ],
    };
    const { plan: masked, secrets } = maskPlan(plan);
    assert.deepEqual(masked.resource_changes![0]!.change.after, { data: SENSITIVE_PLACEHOLDER, type: 'Opaque' });
    assert.deepEqual(secrets.sort(), ['123456', 'abcd-efgh']);
  });
});

describe('maskPlan by name, by pattern, and copies of secrets', () => {
  test('secret-looking names are masked though no provider marked them; settings about secrets are not', () => {
    const plan = unmarkedSecretsPlan();
    const { plan: masked, secrets } = maskPlan(plan);
    const db = masked.resource_changes![1]!.change.after as Record<string, unknown>;
    assert.deepEqual(db, {
      db_password: SENSITIVE_PLACEHOLDER,
      password_length: 16,
      token_ttl: 3600,
      token_type: 'bearer',
      secret_arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:db',
      engine: 'postgres',
    });
    const deploy = masked.resource_changes![2]!.change.after as Record<string, unknown>;
    assert.deepEqual(deploy, {
      api_token: SENSITIVE_PLACEHOLDER,
      connection: [{ host: '10.0.0.1', user: 'deploy', private_key: SENSITIVE_PLACEHOLDER }],
      environment: [
        { name: 'DB_PASSWORD', value: SENSITIVE_PLACEHOLDER },
        { name: 'LOG_LEVEL', value: 'debug' },
      ],
      credentials: { username: SENSITIVE_PLACEHOLDER, client_secret: SENSITIVE_PLACEHOLDER, expires_in: 3600 },
    });
    // A copy of a secret seen before its name gave it away is masked too.
    assert.deepEqual(masked.resource_changes![0]!.change.after, { description: SENSITIVE_PLACEHOLDER });
    assert.equal(masked.output_changes!.admin_password!.after, SENSITIVE_PLACEHOLDER);
    assert.equal(masked.output_changes!.endpoint!.after, 'db.internal:5432');
    assert.equal(masked.variables!.db_password!.value, SENSITIVE_PLACEHOLDER);
    assert.deepEqual(masked.variables!.settings!.value, { api_key: SENSITIVE_PLACEHOLDER, retries: 3 });
    assert.equal(masked.variables!.region!.value, 'eu-west-1');

    const expected = [
      'hunter2hunter2',
      'tok-abcdef0123',
      PRIVATE_KEY,
      'env-pass-9876',
      'svc-user',
      'cs-4444',
      'out-pass-1111',
      'var-pass-1234',
      'var-key-5678',
    ];
    assert.deepEqual([...secrets].sort(), [...expected].sort());
    for (const value of expected) assert.equal(leaks(masked, value), false, value);
    for (const line of PRIVATE_KEY.split('\n').filter(Boolean)) {
      assert.equal(JSON.stringify(masked).includes(line), false, line);
    }
  });

  test('user patterns mask matching values; the matched text is the secret', () => {
    const plan: JsonPlan = {
      format_version: '1.2',
      resource_changes: [
        resource('aws_instance.web', {
          user_data: '#!/bin/sh\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\nrun-app\n',
          tags: { owner: 'team-a', build: 'AKIAQRSTUVWXYZ234567' },
        }),
      ],
      variables: { note: { value: 'uses AKIAABCDEFGHIJKLMNOP' } },
    };
    const { plan: masked, secrets } = maskPlan(plan, { patterns: compileMaskPatterns(['AKIA[0-9A-Z]{16}']) });
    assert.deepEqual(masked.resource_changes![0]!.change.after, {
      user_data: SENSITIVE_PLACEHOLDER,
      tags: { owner: 'team-a', build: SENSITIVE_PLACEHOLDER },
    });
    assert.equal(masked.variables!.note!.value, SENSITIVE_PLACEHOLDER);
    assert.deepEqual(secrets.sort(), ['AKIAABCDEFGHIJKLMNOP', 'AKIAQRSTUVWXYZ234567']);
  });

  test('generated config and check messages keep their text, without the secrets', () => {
    const imported = resource(
      'aws_db_instance.imported',
      { password: 'gen-pass-2222', engine: 'postgres' },
      {
        actions: ['no-op'],
        importing: { id: 'db-1' },
        generated_config:
          'resource "aws_db_instance" "imported" {\n  password = "gen-pass-2222"\n  engine   = "postgres"\n  note     = "AKIAABCDEFGHIJKLMNOP"\n}\n',
      },
    );
    const plan: JsonPlan = {
      format_version: '1.2',
      resource_changes: [imported],
      checks: [
        { address: { to_display: 'check.db' }, instances: [{ problems: [{ message: 'login gen-pass-2222 failed' }] }] },
      ],
    };
    const { plan: masked } = maskPlan(plan, { patterns: compileMaskPatterns(['AKIA[0-9A-Z]{16}']) });
    assert.equal(
      masked.resource_changes![0]!.change.generated_config,
      `resource "aws_db_instance" "imported" {\n  password = "${SENSITIVE_PLACEHOLDER}"\n  engine   = "postgres"\n  note     = "${SENSITIVE_PLACEHOLDER}"\n}\n`,
    );
    assert.deepEqual(masked.checks, [
      {
        address: { to_display: 'check.db' },
        instances: [{ problems: [{ message: `login ${SENSITIVE_PLACEHOLDER} failed` }] }],
      },
    ]);
    assert.equal(imported.change.generated_config?.includes('gen-pass-2222'), true, 'the input is untouched');
  });

  test('short values are masked but not returned as secrets', () => {
    const plan: JsonPlan = { format_version: '1.2', resource_changes: [resource('x.y', { password: 'abc', pin: '' })] };
    const { plan: masked, secrets } = maskPlan(plan);
    assert.deepEqual(masked.resource_changes![0]!.change.after, { password: SENSITIVE_PLACEHOLDER, pin: '' });
    assert.deepEqual(secrets, []);
  });

  test('a synthetic plan: every provider-marked value and the sensitive variable are gone', () => {
    const plan = syntheticPlan(500, { seed: 3 });
    const { plan: masked, secrets } = maskPlan(plan);
    const text = JSON.stringify(masked);
    const marked = markedInPlan(plan);
    assert.ok(marked.length > 100);
    for (const value of marked) assert.equal(text.includes(JSON.stringify(value)), false, value);
    const password = plan.variables!.database_password!.value as string;
    assert.ok(secrets.includes(password));
    assert.equal(text.includes(password), false);
    assert.deepEqual(summarizePlan(masked), summarizePlan(plan));
  });
});

describe('planSecrets', () => {
  const patterns = compileMaskPatterns([
    String.raw`\b\d{12}\b`,
    'AKIA[0-9A-Z]{16}',
    String.raw`[0-9a-f]{12}\.eu-west-1`,
  ]);
  const plans: [string, JsonPlan][] = [
    ...allFixturePlans(),
    ['unmarked secrets', unmarkedSecretsPlan()],
    ['synthetic', syntheticPlan(300, { seed: 7 })],
  ];
  for (const [name, plan] of plans) {
    test(`${name}: the secrets maskPlan returns, without a masked copy, with and without patterns`, () => {
      for (const options of [{}, { patterns }]) {
        const expected = maskPlan(plan, options).secrets;
        assert.deepEqual([...planSecrets(plan, options)].sort(), [...expected].sort());
      }
    });
  }

  test('a pattern match inside a later value is a secret wherever it came first', () => {
    const key = 'AKIAABCDEFGHIJKLMNOP';
    const plan: JsonPlan = {
      format_version: '1.2',
      resource_changes: [resource('a.first', { note: key }), resource('b.second', { script: `export KEY=${key}` })],
    };
    const { plan: masked, secrets } = maskPlan(plan, { patterns: compileMaskPatterns(['AKIA[0-9A-Z]{16}']) });
    assert.deepEqual(secrets, [key]);
    assert.deepEqual(masked.resource_changes![0]!.change.after, { note: SENSITIVE_PLACEHOLDER });
    assert.deepEqual(masked.resource_changes![1]!.change.after, { script: SENSITIVE_PLACEHOLDER });
  });
});

describe('maskText', () => {
  test('replaces every occurrence, the longest secret first', () => {
    assert.equal(
      maskText('a=abcd b=abcdef c=abcd', ['abcd', 'abcdef']),
      `a=${SENSITIVE_PLACEHOLDER} b=${SENSITIVE_PLACEHOLDER} c=${SENSITIVE_PLACEHOLDER}`,
    );
  });

  test('each line of a multi-line secret, wherever the plan text indents it', () => {
    const text = [
      '  + private_key = <<-EOT',
      '        -----BEGIN OPENSSH PRIVATE KEY-----',
      '        b3BlbnNzaC1rZXktdjEAAAAA',
      '        QyNTUxOQAAACDx7Wq9',
      '        -----END OPENSSH PRIVATE KEY-----',
      '    EOT',
    ].join('\n');
    const masked = maskText(text, [PRIVATE_KEY]);
    for (const line of PRIVATE_KEY.split('\n').filter(Boolean)) assert.equal(masked.includes(line), false, line);
    assert.ok(masked.startsWith('  + private_key = <<-EOT\n        (sensitive value)\n'));
  });

  test('the escaped form a plan text prints for quotes and backslashes', () => {
    assert.equal(maskText('value = "p\\"w\\\\rd"', ['p"w\\rd']), `value = "${SENSITIVE_PLACEHOLDER}"`);
  });

  test("the forms Terraform makes: urlencode()'s (space as +, !'()* escaped) and HCL escaping of ${", () => {
    const secret = 'P@ss w0rd/Zeta!(x)';
    // Terraform 1.11: urlencode("P@ss w0rd/Zeta!(x)")
    assert.equal(maskText('u = "P%40ss+w0rd%2FZeta%21%28x%29"', [secret]), `u = "${SENSITIVE_PLACEHOLDER}"`);
    assert.equal(maskText('t = "a$${b}c-d"', ['a${b}c-d']), `t = "${SENSITIVE_PLACEHOLDER}"`);
    assert.deepEqual(terraformForms('plain-value'), []);
  });

  test('a value registered with its Terraform forms: each form and the base64 of the value are masked', () => {
    const secret = 'db pass$1';
    maskTerraformValue(secret);
    const [query] = terraformForms(secret);
    assert.equal(query, 'db+pass%241');
    const encoded = Buffer.from(secret).toString('base64');
    assert.equal(
      maskText(`q=${query} b=${encoded} v=${secret}`, []),
      `q=${SENSITIVE_PLACEHOLDER} b=${SENSITIVE_PLACEHOLDER} v=${SENSITIVE_PLACEHOLDER}`,
    );
  });

  test('leaves texts without secrets, and ignores secrets too short to scrub', () => {
    assert.equal(maskText('nothing here', ['absent-secret']), 'nothing here');
    assert.equal(maskText('on off abc', ['on', 'abc', '']), 'on off abc');
    assert.equal(maskText('', ['abcd']), '');
  });

  test('scales to many secrets: each is found in a long text', () => {
    const secrets = Array.from({ length: 5000 }, (_, i) => `secret-${i.toString(36)}-value`);
    const text = secrets.map((s, i) => `line ${i}: ${s}`).join('\n');
    const masked = maskText(text, secrets);
    assert.equal(masked.split(SENSITIVE_PLACEHOLDER).length - 1, 5000);
    assert.equal(masked.includes('secret-'), false);
  });
});
