import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { invalidInputError } from '../../../../test/assertions.ts';
import { checkInventoryContent, classifyInventory, inventoryFromTerraform } from './inventory.ts';

// Documents as `terraform output -json` prints them, `type` included.
const outputs = JSON.stringify({
  vpc_id: { sensitive: false, type: 'string', value: 'vpc-0a1b2c3d4e5f67890' },
  web_ips: {
    sensitive: false,
    type: ['tuple', ['string', 'string']],
    value: ['10.0.1.17', '10.0.2.44'],
  },
  public_dns: {
    sensitive: false,
    type: ['list', 'string'],
    value: ['ec2-3-120-4-9.eu-central-1.compute.amazonaws.com'],
  },
  hosts_by_role: {
    sensitive: false,
    type: ['object', { web: ['tuple', ['string', 'string']], db: ['tuple', ['string']] }],
    value: { web: ['10.0.1.17', '10.0.2.44'], db: ['10.0.3.5'] },
  },
  servers: {
    sensitive: false,
    type: ['tuple', [['object', { ip: 'string', ansible_user: 'string', zone: 'string' }]]],
    value: [
      { ip: '10.0.1.17', ansible_user: 'ubuntu', zone: 'eu-central-1a' },
      { host: 'db.internal.example.com', ansible_port: 2222 },
      '10.0.2.44',
    ],
  },
  bastion_hosts: { sensitive: true, type: ['list', 'string'], value: ['203.0.113.10'] },
  secret_groups: {
    sensitive: true,
    type: ['map', ['list', 'string']],
    value: { 'db-primary': ['198.51.100.7'] },
  },
  instance_count: { sensitive: false, type: 'number', value: 2 },
  by_env: {
    sensitive: false,
    type: ['map', 'string'],
    value: { staging: '10.0.9.9' },
  },
  with_all: {
    sensitive: false,
    type: ['object', { all: ['list', 'string'], web: ['list', 'string'] }],
    value: { all: ['10.0.0.2'], web: ['10.0.0.3'] },
  },
});

/** The inventory as Ansible reads it (PyYAML, YAML 1.1). */
function read(yaml: string) {
  return parse(yaml, { version: '1.1' }) as {
    all: { hosts?: Record<string, Record<string, unknown> | null>; children?: Record<string, { hosts: object }> };
  };
}

describe('inventoryFromTerraform', () => {
  it('puts a list of addresses in group all', () => {
    const inventory = read(inventoryFromTerraform(outputs, 'web_ips'));
    assert.deepEqual(inventory, { all: { hosts: { '10.0.1.17': null, '10.0.2.44': null } } });
  });

  it('takes DNS names as addresses', () => {
    const inventory = read(inventoryFromTerraform(outputs, ' public_dns '));
    assert.deepEqual(Object.keys(inventory.all.hosts ?? {}), ['ec2-3-120-4-9.eu-central-1.compute.amazonaws.com']);
  });

  it('makes a group of each key of a map', () => {
    const inventory = read(inventoryFromTerraform(outputs, 'hosts_by_role'));
    assert.deepEqual(inventory, {
      all: {
        children: {
          web: { hosts: { '10.0.1.17': null, '10.0.2.44': null } },
          db: { hosts: { '10.0.3.5': null } },
        },
      },
    });
  });

  it('puts the hosts of a group named all in all itself', () => {
    const inventory = read(inventoryFromTerraform(outputs, 'with_all'));
    assert.deepEqual(inventory, {
      all: { hosts: { '10.0.0.2': null }, children: { web: { hosts: { '10.0.0.3': null } } } },
    });
  });

  it('turns the other keys of a host object into host vars', () => {
    const inventory = read(inventoryFromTerraform(outputs, 'servers'));
    assert.deepEqual(inventory.all.hosts, {
      '10.0.1.17': { ansible_user: 'ubuntu', zone: 'eu-central-1a' },
      'db.internal.example.com': { ansible_port: 2222 },
      '10.0.2.44': null,
    });
  });

  it('merges a host listed twice', () => {
    const doc = JSON.stringify({
      hosts: { sensitive: false, type: 'x', value: ['10.0.0.1', { ip: '10.0.0.1', ansible_user: 'admin' }] },
    });
    assert.deepEqual(read(inventoryFromTerraform(doc, 'hosts')).all.hosts, { '10.0.0.1': { ansible_user: 'admin' } });
  });

  it('accepts a sensitive output', () => {
    const inventory = read(inventoryFromTerraform(outputs, 'bastion_hosts'));
    assert.deepEqual(inventory, { all: { hosts: { '203.0.113.10': null } } });
  });

  it('quotes what YAML 1.1 would read as something other than a string', () => {
    const doc = JSON.stringify({
      hosts: { sensitive: false, type: 'x', value: { web: [{ host: 'on', port: '0777' }] } },
    });
    const yaml = inventoryFromTerraform(doc, 'hosts');
    assert.deepEqual(read(yaml).all.children?.web?.hosts, { on: { port: '0777' } });
  });

  it('produces an empty group all for an empty list', () => {
    const doc = JSON.stringify({ hosts: { sensitive: false, type: ['tuple', []], value: [] } });
    assert.deepEqual(read(inventoryFromTerraform(doc, 'hosts')), { all: { hosts: {} } });
  });

  describe('refuses', () => {
    it('text that is not JSON, naming the input', () => {
      assert.throws(
        () => inventoryFromTerraform('web_ips = ["10.0.1.17"]', 'web_ips'),
        invalidInputError("Input 'inventory-from-terraform' is not JSON: give the output of `terraform output -json`"),
      );
    });

    it('a missing terraform-hosts-output', () => {
      assert.throws(
        () => inventoryFromTerraform(outputs, '  '),
        invalidInputError(
          "Input 'terraform-hosts-output' is required with inventory-from-terraform: name the Terraform output that holds the hosts",
        ),
      );
    });

    it('the value of one output instead of all outputs', () => {
      assert.throws(
        () => inventoryFromTerraform('["10.0.1.17"]', 'web_ips'),
        invalidInputError(
          /^Input 'inventory-from-terraform' is not the output of `terraform output -json`.*not the value of one$/,
        ),
      );
    });

    it('an output that is not there, listing those that are', () => {
      assert.throws(
        () => inventoryFromTerraform(outputs, 'web_ip'),
        invalidInputError(
          "Input 'terraform-hosts-output' names the output 'web_ip', which is not among the Terraform outputs (vpc_id, web_ips, public_dns, hosts_by_role, servers, bastion_hosts, secret_groups, instance_count, by_env, with_all)",
        ),
      );
      assert.throws(
        () => inventoryFromTerraform('{}', 'hosts'),
        invalidInputError(/which is not among the Terraform outputs \(there are none\)$/),
      );
    });

    it('an output that is not in the shape of terraform output -json', () => {
      assert.throws(
        () => inventoryFromTerraform('{"hosts": ["10.0.0.1"]}', 'hosts'),
        invalidInputError(/^Input 'inventory-from-terraform' .*output 'hosts' has no "value"$/),
      );
    });

    it('a value that is neither a list nor a map, saying what is expected', () => {
      assert.throws(
        () => inventoryFromTerraform(outputs, 'vpc_id'),
        invalidInputError(
          /^Input 'terraform-hosts-output' names the output 'vpc_id': its value is a string; expected a list of addresses .* or a map of group name to a list of addresses/,
        ),
      );
      assert.throws(
        () => inventoryFromTerraform(outputs, 'instance_count'),
        invalidInputError(/: its value is a number;/),
      );
    });

    it('a map whose values are not lists', () => {
      assert.throws(
        () => inventoryFromTerraform(outputs, 'by_env'),
        invalidInputError(
          "Input 'terraform-hosts-output' names the output 'by_env': group 'staging' is a string; expected a list of addresses",
        ),
      );
    });

    it('a group name Ansible does not accept', () => {
      const doc = JSON.stringify({
        hosts: { sensitive: false, type: 'x', value: { 'app-servers': ['10.0.0.1'] } },
      });
      assert.throws(
        () => inventoryFromTerraform(doc, 'hosts'),
        invalidInputError(
          /^Input 'terraform-hosts-output' names the output 'hosts': group 'app-servers' is not a valid Ansible group name .*use _ for -\)$/,
        ),
      );
    });

    it('entries that are not addresses', () => {
      const doc = (value: unknown) => JSON.stringify({ hosts: { sensitive: false, type: 'x', value } });
      assert.throws(
        () => inventoryFromTerraform(doc(['10.0.0.1', 42]), 'hosts'),
        invalidInputError(/: entry 2 is a number; expected an address, or an object with "host", "address" or "ip"$/),
      );
      assert.throws(
        () => inventoryFromTerraform(doc({ web: [''] }), 'hosts'),
        invalidInputError(/: entry 1 of group 'web' is an empty address$/),
      );
      assert.throws(
        () => inventoryFromTerraform(doc(['web 1']), 'hosts'),
        invalidInputError(/: entry 1 is not an address \(it has spaces\)$/),
      );
      assert.throws(
        () => inventoryFromTerraform(doc([{ name: 'web1', private_ip: '10.0.0.1' }]), 'hosts'),
        invalidInputError(/: entry 1 is an object without a "host", "address" or "ip" string$/),
      );
      assert.throws(
        () => inventoryFromTerraform(doc([{ ip: '10.0.0.1', 'ansible-user': 'x' }]), 'hosts'),
        invalidInputError(/: entry 1 has a key that is not a valid Ansible variable name/),
      );
    });

    it('a sensitive output without telling anything of its value', () => {
      const check = (message: RegExp) => (error: unknown) => {
        invalidInputError(message)(error);
        const text = (error as Error).message;
        for (const secret of ['db-primary', '198.51.100.7', '203.0.113']) assert.ok(!text.includes(secret), text);
        return true;
      };
      assert.throws(
        () => inventoryFromTerraform(outputs, 'secret_groups'),
        check(/names the output 'secret_groups' \(sensitive\): group 1 is not a valid Ansible group name/),
      );
      const doc = JSON.stringify({
        bastions: { sensitive: true, type: 'x', value: { web: ['203.0.113.10', '203.0.113.11 '], 'db-primary': 'x' } },
      });
      assert.throws(() => inventoryFromTerraform(doc, 'bastions'), check(/group 2 is a string; expected a list/));
      const spaced = JSON.stringify({ bastions: { sensitive: true, type: 'x', value: ['203.0.113.1 0'] } });
      assert.throws(() => inventoryFromTerraform(spaced, 'bastions'), check(/: entry 1 is not an address/));
      assert.throws(() => inventoryFromTerraform('{"x": {"value": "203.0.113', 'x'), check(/is not JSON/));
    });
  });
});

describe('classifyInventory', () => {
  const files = new Set(['inventory/production.ini', 'inventory', 'hosts.yml']);
  const exists = (path: string) => files.has(path);

  it('takes a one-line value that exists as a path', () => {
    assert.deepEqual(classifyInventory('inventory/production.ini', exists), {
      kind: 'path',
      path: 'inventory/production.ini',
    });
    assert.deepEqual(classifyInventory(' inventory\n', exists), { kind: 'path', path: 'inventory' });
  });

  it('takes several lines as content, INI or YAML', () => {
    const ini = '[web]\r\n10.0.1.17 ansible_user=ubuntu\r\n10.0.2.44\r\n\r\n[db]\r\n10.0.3.5\r\n';
    assert.deepEqual(classifyInventory(ini, exists), {
      kind: 'content',
      content: '[web]\n10.0.1.17 ansible_user=ubuntu\n10.0.2.44\n\n[db]\n10.0.3.5\n',
    });
    const yaml = '\nall:\n  hosts:\n    web1.example.com:\n      ansible_port: 2222';
    assert.deepEqual(classifyInventory(yaml, exists), {
      kind: 'content',
      content: 'all:\n  hosts:\n    web1.example.com:\n      ansible_port: 2222\n',
    });
  });

  it('takes one line that cannot be a path as content', () => {
    for (const line of ['web1 ansible_host=10.0.1.17', '[web]', 'all: {hosts: {10.0.0.1: }}', '{"all": {}}']) {
      assert.deepEqual(
        classifyInventory(line, () => assert.fail('no path lookup')),
        {
          kind: 'content',
          content: `${line}\n`,
        },
      );
    }
  });

  it('turns a host list as given to ansible-playbook -i into one host a line', () => {
    assert.deepEqual(classifyInventory('10.0.1.17,10.0.2.44', exists), {
      kind: 'content',
      content: '10.0.1.17\n10.0.2.44\n',
    });
    assert.deepEqual(classifyInventory('web1.example.com,', exists), {
      kind: 'content',
      content: 'web1.example.com\n',
    });
  });

  it('refuses a one-line value that is no path, saying what to give', () => {
    assert.throws(
      () => classifyInventory('inventory/staging.ini', exists),
      invalidInputError(
        "Input 'inventory' 'inventory/staging.ini' was not found: give a path relative to working-directory, or the inventory itself (INI or YAML; a single host as 'host,')",
      ),
    );
  });

  it('refuses an empty value', () => {
    assert.throws(() => classifyInventory(' \n\n', exists), invalidInputError(/^Input 'inventory' is empty/));
  });
});

describe('inventoryFromTerraform masking', () => {
  it('gives every string of every sensitive output to mask before anything is checked', () => {
    const masked: string[] = [];
    const json = JSON.stringify({
      hosts: { sensitive: false, value: ['10.0.0.5'] },
      db: { sensitive: true, value: { password: 'db-pw-5e6f7a', port: 5432, user: 'app', replicas: ['replica-pw-1'] } },
      missing: { sensitive: true, value: 'token-8c9d0e' },
    });
    expect(() => inventoryFromTerraform(json, 'absent', (secret) => masked.push(secret))).toThrow(/absent/);
    // Numbers and strings of a few characters are no secret (masked, they would blank that text in the whole log).
    expect(masked).toEqual(['db-pw-5e6f7a', 'replica-pw-1', 'token-8c9d0e']);
  });
});

describe('checkInventoryContent', () => {
  const refusal = (content: string) => {
    try {
      checkInventoryContent(content);
    } catch (error) {
      return error as { reason: string; message: string };
    }
    throw new Error('expected the inventory to be refused');
  };

  it('accepts YAML with Ansible vault and unsafe values, anchors and aliases, and INI content', () => {
    const yaml = [
      'all:',
      '  vars: &common',
      '    ansible_password: !vault |',
      '      $ANSIBLE_VAULT;1.1;AES256',
      '      6162',
      '    motd: !unsafe "{{ not templated }}"',
      '  children:',
      '    web:',
      '      vars: *common',
      '      hosts: { web1: null }',
      '',
    ].join('\n');
    expect(() => checkInventoryContent(yaml)).not.toThrow();
    expect(() => checkInventoryContent('[web]\nweb1 ansible_password=*not-yaml\n')).not.toThrow();
    expect(() => checkInventoryContent('web1.example:2222\n')).not.toThrow();
  });

  it('refuses an alias with no anchor, an unknown tag or bad YAML by position, never quoting the value', () => {
    const alias = refusal('all:\n  hosts:\n    web1:\n      ansible_password: *s3cret-alias\n');
    expect(alias).toMatchObject({
      reason: 'invalid-input',
      message:
        "Input 'inventory' is not valid here: line 4, column 25 starts with `*` but no anchor of that name comes before it: quote the value ('*…').",
    });
    const tag = refusal('all:\n  vars:\n    ansible_password: !s3cret-tag value\n');
    expect(tag.message).toMatch(
      /^Input 'inventory' is not valid here: line 3, column \d+ has a tag \(`!…`\) that Ansible cannot read/,
    );
    const bad = refusal('all:\n  hosts: [s3cret-unclosed\n');
    expect(bad.message).toMatch(/^Input 'inventory' is not valid YAML: .* at line \d+, column \d+\.$/);
    for (const error of [alias, tag, bad]) expect(error.message).not.toContain('s3cret');
  });
});
