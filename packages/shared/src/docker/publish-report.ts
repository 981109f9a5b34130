import { markdownTable } from '../action/summary.ts';
import type { ImageInput } from './metadata/image.ts';
import { DEFAULT_SEPARATORS, metadataOutputs, spelledImage, type Separators } from './metadata/outputs.ts';
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
  /** The input images with the user's spelling of each: outputs name them as written (`user/app`, not `docker.io/user/app`). */
  images?: readonly ImageInput[];
  /** `level:key=value`, from the tag engine. */
  annotations?: readonly string[];
  separators?: Separators;
}

export function publishOutputs(report: PublishReport): Record<string, string> {
  const { version, labels, result, images = [], annotations = [] } = report;
  const spelled = (image: string) => spelledImage(images, image);
  // Each image by the digest pushed, or (every tag already there, if-tag-exists: skip) the one its first tag holds.
  const byImage = new Map<string, string>();
  for (const status of ['pushed', 'skipped'] as const) {
    for (const r of result.references) {
      if (r.status === status && r.digest && !byImage.has(r.image))
        byImage.set(r.image, `${spelled(r.image)}@${r.digest}`);
    }
  }
  const imageRefs = [...byImage.values()];
  const references = result.references.map((r) => `${spelled(r.image)}:${r.tag}`);
  const metadata = metadataOutputs(references, labels, annotations, report.separators ?? DEFAULT_SEPARATORS);
  return {
    digest: result.digest,
    'image-id': result.imageId,
    version,
    tags: metadata.tags,
    labels: metadata.labels,
    annotations: metadata.annotations,
    json: metadata.json,
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
