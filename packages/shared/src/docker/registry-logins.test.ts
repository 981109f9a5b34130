import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { invalidInputError } from '../../../../test/assertions.ts';
import { parseEcrAccountIds, parseRegistries, planLogins } from './registry-logins.ts';

const none = { registries: [], username: '', password: '' };

describe('planLogins', () => {
  it('logs in to ECR hosts through the SDK, once per host, and to nothing else without credentials', () => {
    const plans = planLogins(
      [
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        'public.ecr.aws',
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        'registry.example:5000',
      ],
      none,
    );
    assert.deepEqual(plans, [
      {
        host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        method: 'ecr',
        accountId: '123456789012',
        region: 'eu-west-1',
        fips: false,
        dualstack: false,
      },
      { host: 'public.ecr.aws', method: 'ecr-public' },
      { host: 'registry.example:5000', method: 'none' },
    ]);
  });

  it('gives registry-username/password to the one registry without another login', () => {
    const plans = planLogins(['docker.io', '123456789012.dkr.ecr.us-east-1.amazonaws.com'], {
      registries: [],
      username: 'bot',
      password: 'token',
    });
    assert.deepEqual(plans[0], {
      host: 'docker.io',
      method: 'password',
      credentials: { username: 'bot', password: 'token' },
    });
    assert.equal(plans[1]?.method, 'ecr');
  });

  it('never sends one password to two registries', () => {
    assert.throws(
      () => planLogins(['docker.io', 'ghcr.io'], { registries: [], username: 'bot', password: 'token' }),
      invalidInputError(
        "Input 'registry-username' applies to one registry, but docker.io and ghcr.io have no login; give each its credentials in 'registries'",
      ),
    );
    const plans = planLogins(['docker.io', 'ghcr.io'], {
      registries: parseRegistries('- registry: ghcr.io\n  username: octo\n  password: ghp_x'),
      username: 'bot',
      password: 'token',
    });
    assert.deepEqual(
      plans.map((p) => (p.method === 'password' ? `${p.host}:${p.credentials.username}` : p.host)),
      ['docker.io:bot', 'ghcr.io:octo'],
    );
  });

  it('needs both halves of the username/password pair', () => {
    assert.throws(
      () => planLogins(['docker.io'], { registries: [], username: 'bot', password: '' }),
      invalidInputError(/^Input 'registry-password' must be set together with its pair/),
    );
  });

  it('uses ECR login for a host named in registries as type ecr', () => {
    const registries = parseRegistries(
      '- registry: ecr.internal:443\n  type: ecr\n  aws-region: eu-central-1\n  aws-account-id: "210987654321"',
    );
    assert.deepEqual(planLogins(['ecr.internal:443'], { ...none, registries }), [
      {
        host: 'ecr.internal:443',
        method: 'ecr',
        accountId: '210987654321',
        region: 'eu-central-1',
        fips: false,
        dualstack: false,
      },
    ]);
  });
});

describe('parseRegistries', () => {
  it('normalises Docker Hub aliases and URLs to the host images use', () => {
    const [hub, ghcr] = parseRegistries(
      '- registry: https://index.docker.io/\n  username: a\n  password: b\n- registry: GHCR.io\n  username: c\n  password: d',
    );
    assert.equal(hub?.registry, 'docker.io');
    assert.equal(ghcr?.registry, 'ghcr.io');
  });

  it('refuses each malformed entry with the entry named', () => {
    const cases: [string, RegExp][] = [
      ['registry: ghcr.io', /must be a YAML list/],
      ['- username: a', /entry 1 has no 'registry'/],
      ['- registry: ghcr.io\n  username: a', /entry 1 \(ghcr.io\) needs both 'username' and 'password'/],
      ['- registry: ghcr.io\n  user: a', /unknown key 'user'/],
      [
        '- registry: x.example\n  type: ecr',
        /type ecr needs 'aws-region' \(such as eu-west-1\) and a 12-digit 'aws-account-id'/,
      ],
      ['- registry: x.example\n  type: gcr', /has type 'gcr'; use ecr, ecr-public or password/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseRegistries(text), invalidInputError(message), text);
  });

  it('refuses a registry that is not a host, and a user name with a line break, never quoting a password', () => {
    const refused = (text: string) => {
      try {
        parseRegistries(text);
      } catch (error) {
        return error as Error;
      }
      throw new Error(`expected ${text} to be refused`);
    };
    expect(refused('- registry: ghcr.io/org\n  username: a\n  password: b').message).toBe(
      "Input 'registries' entry 1 has a 'registry' that is not valid: 'ghcr.io/org' is not a registry host: write host[:port], e.g. ghcr.io or registry.example:5000",
    );
    expect(refused('- registry: "bad host:99999"').message).toMatch(
      /^Input 'registries' entry 1 has a 'registry' that is not valid/,
    );
    const withBreak = refused('- registry: ghcr.io\n  username: "bot\\nx"\n  password: pw-777-secret');
    expect(withBreak.message).toBe(
      "Input 'registries' entry 1 (ghcr.io) has a user name that is empty, too long or has a space or a line break in it",
    );
    expect(
      refused('- registry: x.example\n  type: ecr\n  aws-region: Europe\n  aws-account-id: "123456789012"').message,
    ).toMatch(/needs 'aws-region' \(such as eu-west-1\)/);
  });

  it('gives every password to mask before any entry is checked', () => {
    const masked: string[] = [];
    expect(() =>
      parseRegistries(
        '- registry: ghcr.io\n  username: a\n  password: first-pw-1\n- registry: bad/host\n  username: b\n  password: second-pw-2',
        (secret) => masked.push(secret),
      ),
    ).toThrow(/entry 2/);
    expect(masked).toEqual(['first-pw-1', 'second-pw-2']);
  });
});

describe('planLogins user name', () => {
  it('refuses a registry-username with a line break', () => {
    expect(() => planLogins(['ghcr.io'], { registries: [], username: 'bot\nx', password: 'pw' })).toThrow(
      "Input 'registry-username' has a user name that is empty, too long or has a space or a line break in it",
    );
  });
});

describe('ECR Public dual-stack', () => {
  it('logs in to ecr-public.aws.com with ECR Public’s token', () => {
    expect(planLogins(['ecr-public.aws.com'], none)).toEqual([{ host: 'ecr-public.aws.com', method: 'ecr-public' }]);
  });
});

describe('ecr-account-ids', () => {
  it('reads 12-digit IDs separated by commas, spaces or lines, each once', () => {
    expect(parseEcrAccountIds('111111111111, 222222222222\n333333333333\n111111111111\n')).toEqual([
      '111111111111',
      '222222222222',
      '333333333333',
    ]);
    expect(parseEcrAccountIds('')).toEqual([]);
  });

  it.each(['12345678901', '1234567890123', 'acct-1234567', '123456789012;210987654321'])(
    'refuses %s with one line naming the input',
    (text) => {
      expect(() => parseEcrAccountIds(text)).toThrow(
        /^Input 'ecr-account-ids' has ".*", which is not an AWS account ID: give the 12 digits of each account, separated by commas or lines$/,
      );
    },
  );

  it("plans a login per account in the job's region, after the images' logins, none twice", () => {
    const plans = planLogins(['123456789012.dkr.ecr.eu-west-1.amazonaws.com'], {
      ...none,
      ecrAccountIds: ['123456789012', '210987654321'],
      awsRegion: 'eu-west-1',
    });
    expect(plans.map((plan) => plan.host)).toEqual([
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      '210987654321.dkr.ecr.eu-west-1.amazonaws.com',
    ]);
    expect(plans[1]).toEqual({
      host: '210987654321.dkr.ecr.eu-west-1.amazonaws.com',
      method: 'ecr',
      accountId: '210987654321',
      region: 'eu-west-1',
      fips: false,
      dualstack: false,
      account: true,
    });
  });

  it("takes the ECR images' region without AWS_REGION, China's suffix in China, and refuses no region at all", () => {
    expect(
      planLogins(['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn'], { ...none, ecrAccountIds: ['210987654321'] })[1]
        ?.host,
    ).toBe('210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn');
    expect(() => planLogins(['ghcr.io'], { ...none, ecrAccountIds: ['210987654321'] })).toThrow(
      /^Input 'ecr-account-ids' needs an AWS region for those registries: set AWS_REGION/,
    );
  });
});

describe('source-image registry (pullHosts)', () => {
  it('logs in to it only with a login of its own, never with registry-username’s password', () => {
    const plans = planLogins(['ghcr.io'], {
      registries: [],
      username: 'bot',
      password: 'ghp_token',
      pullHosts: ['staging.example:5000', '123456789012.dkr.ecr.us-east-1.amazonaws.com', 'ghcr.io'],
    });
    expect(plans.map((plan) => [plan.host, plan.method])).toEqual([
      ['ghcr.io', 'password'],
      ['staging.example:5000', 'none'],
      ['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'ecr'],
    ]);
  });
});
