import { invalidInput } from '../action/action-error.ts';
import { parseYamlInput } from '../action/inputs.ts';
import { isRecord } from '../util/values.ts';
import type { RegistryCredentials } from './docker-cli.ts';
import { registryHostProblem } from './image-reference.ts';
import { classifyRegistry } from './registry-host.ts';

// Which registry gets which login, decided from the image hosts and the
// inputs before anything runs, so that a missing credential fails the step
// before a build.

/** One entry of the `registries` input. */
export interface RegistryEntry {
  registry: string;
  username?: string;
  password?: string;
  /** Forces ECR login for a host that is not an ECR host name (PrivateLink or proxy DNS names). */
  type?: 'ecr' | 'ecr-public' | 'password';
  awsRegion?: string;
  awsAccountId?: string;
}

export type LoginPlan =
  | { host: string; method: 'password'; credentials: RegistryCredentials }
  | {
      host: string;
      method: 'ecr';
      accountId: string;
      region: string;
      fips: boolean;
      dualstack: boolean;
      /** A further account of `ecr-account-ids` (base images): docker logs in to the registry host AWS's token names. */
      account?: true;
    }
  | { host: string; method: 'ecr-public' }
  /** No credentials given: the push relies on the user's own docker configuration (an earlier login). */
  | { host: string; method: 'none' };

export interface LoginSettings {
  registries: readonly RegistryEntry[];
  /** `registry-username` / `registry-password`: for the one registry that has no other login. */
  username: string;
  password: string;
  /**
   * Registries only read from (source-image's): logged in to when they have a
   * login of their own (ECR, ECR Public, a `registries` entry), never with
   * registry-username's password, which belongs to the registry pushed to.
   */
  pullHosts?: readonly string[];
  /** `ecr-account-ids`: further ECR registries whose images the build reads (login-action's AWS_ACCOUNT_IDS). */
  ecrAccountIds?: readonly string[];
  /** The job's AWS region (AWS_REGION), for the registries of `ecrAccountIds`; default the ECR images' region. */
  awsRegion?: string;
}

/**
 * Parses `ecr-account-ids`: 12-digit AWS account IDs separated by commas,
 * spaces or lines, each once.
 */
export function parseEcrAccountIds(text: string): string[] {
  const ids = text
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !/^\d{12}$/.test(id));
  if (bad !== undefined) {
    const shown = JSON.stringify(bad.length > 40 ? `${bad.slice(0, 40)}…` : bad);
    throw invalidInput(
      'ecr-account-ids',
      `has ${shown}, which is not an AWS account ID: give the 12 digits of each account, separated by commas or lines`,
    );
  }
  return [...new Set(ids)];
}

/**
 * Parses the `registries` input: a YAML list of `{registry, username, password}`
 * or `{registry, type: ecr, …}`; `mask` gets every password before anything is checked.
 */
export function parseRegistries(text: string, mask: (secret: string) => void = () => {}): RegistryEntry[] {
  const value = parseYamlInput('registries', text);
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) throw invalidInput('registries', 'must be a YAML list of {registry, username, password}');
  // Every password is masked before any entry is checked: a message about one may follow another's.
  for (const item of value as unknown[]) {
    if (isRecord(item) && (typeof item.password === 'string' || typeof item.password === 'number')) {
      mask(String(item.password));
    }
  }
  return value.map((item: unknown, index) => {
    const at = `entry ${index + 1}`;
    if (!isRecord(item) || typeof item.registry !== 'string' || !item.registry) {
      throw invalidInput('registries', `${at} has no 'registry'; write e.g. '- registry: ghcr.io'`);
    }
    const known = ['registry', 'username', 'password', 'type', 'aws-region', 'aws-account-id'];
    const unknown = Object.keys(item).find((key) => !known.includes(key));
    if (unknown)
      throw invalidInput(
        'registries',
        `${at} (${item.registry}) has unknown key '${unknown}'; known: ${known.join(', ')}`,
      );
    const text = (key: string) => (item[key] === undefined || item[key] === null ? undefined : String(item[key]));
    const type = text('type');
    if (type !== undefined && type !== 'ecr' && type !== 'ecr-public' && type !== 'password') {
      throw invalidInput('registries', `${at} (${item.registry}) has type '${type}'; use ecr, ecr-public or password`);
    }
    const registry = normalizeHost(item.registry);
    const hostProblem = registryHostProblem(registry);
    if (hostProblem) throw invalidInput('registries', `${at} has a 'registry' that is not valid: ${hostProblem}`);
    const entry: RegistryEntry = {
      registry,
      ...(text('username') !== undefined ? { username: text('username') } : {}),
      ...(text('password') !== undefined ? { password: text('password') } : {}),
      ...(type ? { type } : {}),
      ...(text('aws-region') !== undefined ? { awsRegion: text('aws-region') } : {}),
      ...(text('aws-account-id') !== undefined ? { awsAccountId: text('aws-account-id') } : {}),
    };
    if ((entry.username === undefined) !== (entry.password === undefined)) {
      throw invalidInput('registries', `${at} (${entry.registry}) needs both 'username' and 'password'`);
    }
    if (entry.username !== undefined) checkUsername('registries', entry.username, `${at} (${entry.registry}) `);
    if (
      entry.type === 'ecr' &&
      (!AWS_REGION.test(entry.awsRegion ?? '') || !/^\d{12}$/.test(entry.awsAccountId ?? ''))
    ) {
      throw invalidInput(
        'registries',
        `${at} (${entry.registry}) of type ecr needs 'aws-region' (such as eu-west-1) and a 12-digit 'aws-account-id'`,
      );
    }
    return entry;
  });
}

/** An AWS region name: `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
const AWS_REGION = /^[a-z]{2,}(?:-[a-z]+)+-\d+$/;

/**
 * A user name goes on docker login's command line: whitespace or a control
 * character there is a mistake (a pasted line break), and it is not quoted.
 */
export function checkUsername(input: string, username: string, where = ''): void {
  if (username === '' || /[\s\p{Cc}]/u.test(username) || username.length > 256) {
    throw invalidInput(input, `${where}has a user name that is empty, too long or has a space or a line break in it`);
  }
}

/** One login per distinct registry host of the images. */
export function planLogins(hosts: readonly string[], settings: LoginSettings): LoginPlan[] {
  const distinct = [...new Set(hosts)];
  const entries = new Map(settings.registries.map((entry) => [entry.registry, entry]));
  const plans = distinct.map((host) => planOne(host, entries.get(host)));

  if (settings.username || settings.password) {
    if (!settings.username || !settings.password) {
      throw invalidInput(
        settings.username ? 'registry-password' : 'registry-username',
        "must be set together with its pair ('registry-username' and 'registry-password')",
      );
    }
    checkUsername('registry-username', settings.username);
    // A password is given to one registry only: sending a Docker Hub token to
    // another host would leak it.
    const open = plans.filter((plan) => plan.method === 'none');
    if (open.length > 1) {
      throw invalidInput(
        'registry-username',
        `applies to one registry, but ${open.map((plan) => plan.host).join(' and ')} have no login; give each its credentials in 'registries'`,
      );
    }
    const target = open[0];
    if (target) {
      plans[plans.indexOf(target)] = {
        host: target.host,
        method: 'password',
        credentials: { username: settings.username, password: settings.password },
      };
    }
  }
  for (const host of settings.pullHosts ?? []) {
    if (!plans.some((plan) => plan.host === host)) plans.push(planOne(host, entries.get(host)));
  }
  if (settings.ecrAccountIds?.length) plans.push(...planEcrAccounts(plans, settings));
  return plans;
}

/** A login per further ECR account, to its registry in the job's region, unless an image's login is that one. */
function planEcrAccounts(plans: readonly LoginPlan[], settings: LoginSettings): LoginPlan[] {
  const ecrRegions = plans.flatMap((plan) => (plan.method === 'ecr' ? [plan.region] : []));
  const region = settings.awsRegion || ecrRegions[0];
  if (!region) {
    throw invalidInput(
      'ecr-account-ids',
      'needs an AWS region for those registries: set AWS_REGION (aws-actions/configure-aws-credentials does), or push to an ECR image',
    );
  }
  if (!AWS_REGION.test(region)) {
    throw invalidInput('ecr-account-ids', `needs an AWS region, and AWS_REGION is '${region}': write e.g. eu-west-1`);
  }
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return (settings.ecrAccountIds ?? [])
    .filter((id) => !plans.some((plan) => plan.method === 'ecr' && plan.accountId === id && plan.region === region))
    .map((accountId) => ({
      host: `${accountId}.dkr.ecr.${region}.${suffix}`,
      method: 'ecr' as const,
      accountId,
      region,
      fips: false,
      dualstack: false,
      account: true as const,
    }));
}

function planOne(host: string, entry: RegistryEntry | undefined): LoginPlan {
  if (entry?.type === 'ecr') {
    return {
      host,
      method: 'ecr',
      accountId: entry.awsAccountId ?? '',
      region: entry.awsRegion ?? '',
      fips: false,
      dualstack: false,
    };
  }
  if (entry?.type === 'ecr-public') return { host, method: 'ecr-public' };
  if (entry?.username !== undefined && entry.password !== undefined) {
    return { host, method: 'password', credentials: { username: entry.username, password: entry.password } };
  }
  const registry = classifyRegistry(host);
  if (registry.kind === 'ecr') {
    const { accountId, region, fips, dualstack } = registry;
    return { host, method: 'ecr', accountId, region, fips, dualstack };
  }
  if (registry.kind === 'ecr-public') return { host, method: 'ecr-public' };
  return { host, method: 'none' };
}

function normalizeHost(host: string): string {
  const bare = host
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(bare) ? 'docker.io' : bare;
}
