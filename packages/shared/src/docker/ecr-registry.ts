import type { ECRClient } from '@aws-sdk/client-ecr';
import type { EcrRegistry } from './publish.ts';

// The AWS SDK is most of the bundle; it is loaded only when an image is on
// ECR, so that a push to Docker Hub or GHCR does not pay for it at start.
const loadEcr = () => import('./ecr.ts');

/** docker-publish's ECR calls through the AWS SDK: one client per registry host. */
export function awsEcrRegistry(): EcrRegistry & { destroy(): void } {
  const clients = new Map<string, ECRClient>();
  const client = async (plan: { host: string; region: string; fips: boolean; dualstack: boolean }) => {
    let existing = clients.get(plan.host);
    if (!existing) clients.set(plan.host, (existing = (await loadEcr()).createEcrClient(plan)));
    return existing;
  };
  return {
    login: async (plan) => (await loadEcr()).ecrLogin(await client(plan), plan.accountId),
    publicLogin: async () => (await loadEcr()).ecrPublicLogin(),
    ensureRepository: async (plan, repository, options) =>
      (await loadEcr()).ensureEcrRepository(await client(plan), repository, {
        ...options,
        create: options.createRepository,
        registryId: plan.accountId,
      }),
    tagDigest: async (plan, repository, tag) =>
      (await loadEcr()).ecrTagDigest(await client(plan), repository, tag, plan.accountId),
    destroy: () => clients.forEach((c) => c.destroy()),
  };
}
