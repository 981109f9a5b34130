import { markdownTable } from '../action/summary.ts';
import type { PublishResult } from './publish.ts';

// What docker-publish tells people and later steps: outputs and the job summary.

const STATUS: Record<string, string> = {
  pushed: '✅ pushed',
  skipped: '⏭️ exists, left as it is',
  built: '🔨 built, not pushed',
};

export interface PublishReport {
  version: string;
  labels: Record<string, string>;
  result: PublishResult;
}

export function publishOutputs({ version, labels, result }: PublishReport): Record<string, string> {
  // Each image by the digest pushed, or (every tag already there, if-tag-exists: skip) the one its first tag holds.
  const byImage = new Map<string, string>();
  for (const status of ['pushed', 'skipped'] as const) {
    for (const r of result.references) {
      if (r.status === status && r.digest && !byImage.has(r.image)) byImage.set(r.image, `${r.image}@${r.digest}`);
    }
  }
  const imageRefs = [...byImage.values()];
  return {
    digest: result.digest,
    'image-id': result.imageId,
    version,
    tags: result.references.map((r) => r.reference).join('\n'),
    'image-refs': imageRefs.join('\n'),
    metadata: JSON.stringify({
      version,
      builder: result.builder,
      'image-id': result.imageId,
      digest: result.digest,
      references: result.references,
      labels,
      'created-repositories': result.createdRepositories,
      'build-ms': result.buildMs,
    }),
  };
}

export function renderPublishSummary({ version, labels, result }: PublishReport): string {
  const pushed = result.references.filter((r) => r.status === 'pushed').length;
  const title =
    pushed > 0
      ? `### 🐳 docker-publish: ${pushed} reference${pushed === 1 ? '' : 's'} pushed`
      : result.references.some((r) => r.status === 'built')
        ? '### 🐳 docker-publish: image built (push: false)'
        : '### 🐳 docker-publish: nothing to push';
  const rows = result.references.map((r) => [
    `\`${r.reference}\``,
    STATUS[r.status] ?? r.status,
    r.digest ? `\`${r.digest}\`` : '',
    r.attempts ? String(r.attempts) : '',
  ]);
  const facts = [
    version && `Version **${version}**`,
    result.imageId && `image ID \`${result.imageId}\``,
    result.imageId &&
      `built with ${result.builder === 'buildx' ? 'BuildKit (buildx)' : 'the classic builder'} in ${(result.buildMs / 1000).toFixed(1)} s`,
    result.createdRepositories.length && `created ECR repositories: ${result.createdRepositories.join(', ')}`,
  ].filter(Boolean);
  const labelTable = markdownTable(
    ['Label', 'Value'],
    Object.entries(labels).map(([key, value]) => [key, value]),
  );
  return [
    title,
    '',
    markdownTable(['Reference', 'Result', 'Digest', 'Attempts'], rows),
    '',
    facts.join(' · '),
    '',
    `<details><summary>Labels (${Object.keys(labels).length})</summary>\n\n${labelTable}\n\n</details>`,
    '',
  ].join('\n');
}
