// Which registry a host is, to pick how to log in to it. The ECR host forms are
// those AWS lists as the Docker/OCI endpoints of private registries: IPv4
// `<account>.dkr.ecr[-fips].<region>.amazonaws.com` (`.com.cn` in China,
// `.eu` in the European Sovereign Cloud) and dual-stack
// `<account>.dkr-ecr[-fips].<region>.on.aws`. ECR Public is `public.ecr.aws`
// and its dual-stack endpoint `ecr-public.aws.com`: both take ECR Public's token.

export type Registry =
  | { kind: 'ecr'; host: string; accountId: string; region: string; fips: boolean; dualstack: boolean }
  | { kind: 'ecr-public'; host: 'public.ecr.aws' | 'ecr-public.aws.com' }
  | { kind: 'docker-hub'; host: 'docker.io' }
  | { kind: 'ghcr'; host: 'ghcr.io' }
  | { kind: 'generic'; host: string };

const REGION = '[a-z]{2,}(?:-[a-z]+)+-\\d+';
const ECR_IPV4 = new RegExp(`^(\\d{12})\\.dkr\\.ecr(-fips)?\\.(${REGION})\\.amazonaws\\.(?:com|com\\.cn|eu)$`);
const ECR_DUALSTACK = new RegExp(`^(\\d{12})\\.dkr-ecr(-fips)?\\.(${REGION})\\.on\\.aws$`);
const ECR_PUBLIC_HOSTS = new Set(['public.ecr.aws', 'ecr-public.aws.com'] as const);
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Classifies a registry host (host[:port], any case); anything unrecognised is `generic`. */
export function classifyRegistry(host: string): Registry {
  const lower = host.toLowerCase();
  const ipv4 = ECR_IPV4.exec(lower);
  const ecr = ipv4 ?? ECR_DUALSTACK.exec(lower);
  if (ecr) {
    return {
      kind: 'ecr',
      host: lower,
      accountId: ecr[1]!,
      region: ecr[3]!,
      fips: ecr[2] !== undefined,
      dualstack: ipv4 === null,
    };
  }
  if (ECR_PUBLIC_HOSTS.has(lower as 'public.ecr.aws')) {
    return { kind: 'ecr-public', host: lower as 'public.ecr.aws' | 'ecr-public.aws.com' };
  }
  if (DOCKER_HUB_HOSTS.has(lower)) return { kind: 'docker-hub', host: 'docker.io' };
  if (lower === 'ghcr.io') return { kind: 'ghcr', host: 'ghcr.io' };
  return { kind: 'generic', host: lower };
}
