import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { classifyRegistry } from './registry-host.ts';

const ecr = (host: string, region: string, fips: boolean, dualstack: boolean) => ({
  kind: 'ecr',
  host,
  accountId: '123456789012',
  region,
  fips,
  dualstack,
});

describe('classifyRegistry', () => {
  it('reads account and region from each private ECR host form', () => {
    const cases = [
      ['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'us-east-1', false, false],
      ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', 'us-gov-west-1', true, false],
      ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'cn-north-1', false, false],
      ['123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu', 'eusc-de-east-1', false, false],
      ['123456789012.dkr-ecr.eu-west-1.on.aws', 'eu-west-1', false, true],
      ['123456789012.dkr-ecr-fips.us-east-2.on.aws', 'us-east-2', true, true],
      ['123456789012.dkr.ecr.ap-southeast-12.amazonaws.com', 'ap-southeast-12', false, false],
    ] as const;
    for (const [host, region, fips, dualstack] of cases) {
      assert.deepEqual(classifyRegistry(host), ecr(host, region, fips, dualstack), host);
    }
  });

  it('ignores case and gives the host in lowercase', () => {
    assert.deepEqual(
      classifyRegistry('123456789012.DKR.ECR.US-EAST-1.AmazonAWS.com'),
      ecr('123456789012.dkr.ecr.us-east-1.amazonaws.com', 'us-east-1', false, false),
    );
    assert.deepEqual(classifyRegistry('GHCR.io'), { kind: 'ghcr', host: 'ghcr.io' });
    assert.deepEqual(classifyRegistry('Registry.Example.com:5000'), {
      kind: 'generic',
      host: 'registry.example.com:5000',
    });
  });

  it('knows ECR Public, Docker Hub under each of its names, and GHCR', () => {
    assert.deepEqual(classifyRegistry('public.ecr.aws'), { kind: 'ecr-public', host: 'public.ecr.aws' });
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      assert.deepEqual(classifyRegistry(host), { kind: 'docker-hub', host: 'docker.io' }, host);
    }
    assert.deepEqual(classifyRegistry('ghcr.io'), { kind: 'ghcr', host: 'ghcr.io' });
  });

  it("knows ECR Public's dual-stack endpoint ecr-public.aws.com, in any case", () => {
    expect(classifyRegistry('ecr-public.aws.com')).toEqual({ kind: 'ecr-public', host: 'ecr-public.aws.com' });
    expect(classifyRegistry('ECR-Public.AWS.com')).toEqual({ kind: 'ecr-public', host: 'ecr-public.aws.com' });
  });

  it('keeps look-alikes generic', () => {
    const lookAlikes = [
      '12345678901.dkr.ecr.us-east-1.amazonaws.com', // 11 digits
      '1234567890123.dkr.ecr.us-east-1.amazonaws.com', // 13 digits
      'abcdefghijkl.dkr.ecr.us-east-1.amazonaws.com',
      'dkr.ecr.us-east-1.amazonaws.com',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example',
      '123456789012.dkr.ecr.us-east-1.amazonaws.co',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com:443',
      'evil.123456789012.dkr.ecr.us-east-1.amazonaws.com',
      '123456789012.dkr.ecr.amazonaws.com',
      '123456789012.dkr.ecr.us_east_1.amazonaws.com',
      '123456789012.dkr-ecr.us-east-1.amazonaws.com',
      '123456789012.dkr.ecr.us-east-1.on.aws',
      '123456789012.dkr-ecr.us-east-1.on.aws.evil.example',
      '123456789012.ecr.us-east-1.amazonaws.com',
      'api.ecr.us-east-1.amazonaws.com',
      'public.ecr.aws.evil.example',
      'evilpublic.ecr.aws',
      'ecr-public.aws.com.evil.example',
      'evil-ecr-public.aws.com',
      'ghcr.io.evil.example',
      'ghcr.io:443',
      'docker.io.evil.example',
      'hub.docker.com',
      'localhost:5000',
    ];
    for (const host of lookAlikes) {
      assert.deepEqual(classifyRegistry(host), { kind: 'generic', host }, host);
    }
  });
});
