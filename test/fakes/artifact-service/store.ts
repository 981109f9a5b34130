import { createHash, randomBytes } from 'node:crypto';
import type { ArtifactJob } from './runtime-token.ts';

// The artifacts the fake holds, in memory: one per name and run, created by
// CreateArtifact, filled through the signed blob URL, listed once finalized.

export interface StoredArtifact {
  /** The database id the client reports (`artifact_id`, `database_id`). */
  readonly id: number;
  readonly name: string;
  /** The job that created it. */
  readonly job: ArtifactJob;
  readonly createdAt: Date;
  /** From CreateArtifact's `expires_at` (retention days), as sent. */
  readonly expiresAt: string | undefined;
  readonly mimeType: string | undefined;
  /** The blob's path under the fake's URL: `/<account>/<container>/<blob>`. */
  readonly blobPath: string;
  /** The `sig` of the signed upload URL; uploads with another are refused. */
  readonly uploadSignature: string;
  /** The `sig` of signed download URLs. */
  readonly downloadSignature: string;
  /** Blocks staged by Put Block and not committed yet, by block id. */
  readonly stagedBlocks: Map<string, Buffer>;
  /** The committed blob: the zip. Live: a test may alter it to play tampering. */
  content: Buffer | undefined;
  /** Content-Type the uploader set (x-ms-blob-content-type). */
  contentType: string | undefined;
  finalized: boolean;
  /** The size FinalizeArtifact reported. */
  size: number;
  /** `sha256:<hex>`, as FinalizeArtifact sent it and the fake checked it. */
  digest: string | undefined;
}

// The Azurite development account: the path-style account, container, blob
// layout that @azure/storage-blob expects of a URL whose host is an IP.
const ACCOUNT = 'devstoreaccount1';
const CONTAINER = 'actions-results';

export class ArtifactStore {
  private nextId = 1000;
  readonly artifacts = new Map<number, StoredArtifact>();

  create(job: ArtifactJob, name: string, details: { expiresAt?: string; mimeType?: string }): StoredArtifact {
    const id = this.nextId++;
    const artifact: StoredArtifact = {
      id,
      name,
      job,
      createdAt: new Date(),
      expiresAt: details.expiresAt,
      mimeType: details.mimeType,
      blobPath: `/${ACCOUNT}/${CONTAINER}/${job.workflowRunBackendId}/${id}.zip`,
      uploadSignature: randomBytes(24).toString('base64url'),
      downloadSignature: randomBytes(24).toString('base64url'),
      stagedBlocks: new Map(),
      content: undefined,
      contentType: undefined,
      finalized: false,
      size: 0,
      digest: undefined,
    };
    this.artifacts.set(id, artifact);
    return artifact;
  }

  /** The run's artifact of that name; `finalized` narrows to finalized ones. */
  find(workflowRunBackendId: string, name: string, finalized?: boolean): StoredArtifact | undefined {
    return this.ofRun(workflowRunBackendId).find(
      (a) => a.name === name && (finalized === undefined || a.finalized === finalized),
    );
  }

  ofRun(workflowRunBackendId: string): StoredArtifact[] {
    return [...this.artifacts.values()].filter((a) => a.job.workflowRunBackendId === workflowRunBackendId);
  }

  byBlobPath(blobPath: string): StoredArtifact | undefined {
    return [...this.artifacts.values()].find((a) => a.blobPath === blobPath);
  }

  delete(artifact: StoredArtifact): void {
    this.artifacts.delete(artifact.id);
  }
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
