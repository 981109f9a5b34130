import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'vitest';
import { OPENTOFU_FIXTURES } from '../../../../test/fixtures.ts';
import { isSecretName } from './plan-mask.ts';
import { publicOutputs } from './terraform-outputs.ts';

describe('publicOutputs', () => {
  it('removes sensitive outputs and returns every value inside them to mask', () => {
    const result = publicOutputs({
      url: { sensitive: false, type: 'string', value: 'https://app.example' },
      db: {
        sensitive: true,
        type: ['object', { password: 'string', port: 'number', hosts: ['list', 'string'] }],
        value: { password: 'pa55word!', port: 5432, hosts: ['db-a.internal', 'db-b.internal'] },
      },
      pin: { sensitive: true, type: 'string', value: '42' },
    });
    assert.deepEqual(Object.keys(result.outputs), ['url']);
    assert.deepEqual(result.sensitive, ['db', 'pin']);
    // '42' is too short to mask without starring out every 42 in the log.
    assert.deepEqual(result.secrets.sort(), ['5432', 'db-a.internal', 'db-b.internal', 'pa55word!']);
  });

  it('treats an output named like a secret as sensitive, as tf-plan does in plans', () => {
    const result = publicOutputs({
      db_password: { sensitive: false, type: 'string', value: 'not-marked-but-secret' },
      apiToken: { sensitive: false, type: 'string', value: 'tok-123456' },
      token_ttl: { sensitive: false, type: 'number', value: 3600 },
      endpoint: { sensitive: false, type: 'string', value: 'db.internal' },
    });
    assert.deepEqual(Object.keys(result.outputs), ['token_ttl', 'endpoint']);
    assert.deepEqual(result.sensitive, ['db_password', 'apiToken']);
    assert.deepEqual(result.secrets, ['not-marked-but-secret', 'tok-123456']);
  });

  it('keeps the shape of a real `output -json`', async () => {
    const state = JSON.parse(
      await readFile(path.join(OPENTOFU_FIXTURES, 'equivalence/variables_and_outputs/state.json'), 'utf8'),
    ) as { values: { outputs: Record<string, { sensitive: boolean; type: unknown; value: unknown }> } };
    const all = state.values.outputs;
    const result = publicOutputs(all);
    for (const [name, output] of Object.entries(all)) {
      assert.equal(name in result.outputs, !output.sensitive && !isSecretName(name), name);
      if (!output.sensitive) assert.deepEqual(result.outputs[name], output);
    }
  });
});
