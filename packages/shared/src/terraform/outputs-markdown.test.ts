import { describe, expect, it } from 'vitest';
import { renderOutputsSummary, typeExpression } from './outputs-markdown.ts';

describe('typeExpression', () => {
  it('writes the types of `terraform output -json` as HCL', () => {
    expect(typeExpression('string')).toBe('string');
    expect(typeExpression(['list', 'string'])).toBe('list(string)');
    expect(typeExpression(['map', ['set', 'number']])).toBe('map(set(number))');
    expect(typeExpression(['tuple', ['string', 'bool']])).toBe('tuple([string, bool])');
    expect(typeExpression(['object', { port: 'number', hosts: ['list', 'string'] }])).toBe(
      'object({ port = number, hosts = list(string) })',
    );
    expect(typeExpression(['object', {}])).toBe('object({})');
    expect(typeExpression(undefined)).toBe('any');
  });
});

describe('renderOutputsSummary', () => {
  const base = { tool: 'terraform' as const, toolVersion: '1.11.4', workingDirectory: 'infra', workspace: 'prod' };

  it('lists public values and names the secret outputs without their values', () => {
    const summary = renderOutputsSummary({
      ...base,
      outputs: { url: { sensitive: false, type: 'string', value: 'https://a|b' } },
      sensitive: [{ name: 'db_password', type: 'string' }],
    });
    expect(summary).toContain('## Terraform outputs of `infra` · workspace `prod` (Terraform 1.11.4)');
    expect(summary).toContain('| `url` | `string` | "https://a\\|b" |');
    expect(summary).toContain('| `db_password` | `string` | 🔒 secret: left out of `outputs-json`, masked |');
  });

  it('shortens long values, says when there are none, and reports a failure', () => {
    const long = renderOutputsSummary({
      ...base,
      outputs: { big: { sensitive: false, type: 'string', value: 'x'.repeat(500) } },
      sensitive: [],
    });
    expect(long).toMatch(/"x{198}… \|/);
    expect(renderOutputsSummary({ ...base, outputs: {}, sensitive: [] })).toContain('The stack has no outputs');
    expect(
      renderOutputsSummary({
        ...base,
        outputs: {},
        sensitive: [],
        failure: { reason: 'init-failed', message: 'boom' },
      }),
    ).toMatch(/Could not read the outputs\*\* \(`init-failed`\)\.\n\n```\nboom\n```/);
  });
});
