import type { ArtifactJob } from './runtime-token.ts';
import { sha256Digest, type ArtifactStore, type StoredArtifact } from './store.ts';

// The results service's ArtifactService, as Twirp over JSON: POST
// /twirp/github.actions.results.api.v1.ArtifactService/<Method> with the
// request message in proto field names (snake_case), int64 as strings,
// wrappers (StringValue, Int64Value) as bare values, timestamps as RFC 3339.
// Errors are Twirp's `{ code, msg }` with the matching HTTP status; the
// client shows `msg`. Shapes from the client's generated code
// (@actions/artifact lib/generated/results/api/v1/artifact.js).

export const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';

export const TWIRP_METHODS = [
  'CreateArtifact',
  'FinalizeArtifact',
  'ListArtifacts',
  'GetSignedArtifactURL',
  'DeleteArtifact',
] as const;
export type TwirpMethod = (typeof TWIRP_METHODS)[number];

const TWIRP_STATUS = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
  unavailable: 503,
} as const;
export type TwirpCode = keyof typeof TWIRP_STATUS;

export class TwirpError extends Error {
  readonly code: TwirpCode;

  constructor(code: TwirpCode, msg: string) {
    super(msg);
    this.code = code;
  }

  get status(): number {
    return TWIRP_STATUS[this.code];
  }

  get body(): { code: TwirpCode; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

export interface TwirpContext {
  store: ArtifactStore;
  /** The job of the bearer token. */
  caller: ArtifactJob;
  signedUrl(artifact: StoredArtifact, access: 'upload' | 'download'): string;
}

type Message = Record<string, unknown>;

export function isTwirpMethod(name: string): name is TwirpMethod {
  return (TWIRP_METHODS as readonly string[]).includes(name);
}

export function handleTwirp(method: TwirpMethod, request: Message, context: TwirpContext): Message {
  const job = requireJob(request, context.caller);
  const { store } = context;
  switch (method) {
    case 'CreateArtifact': {
      const name = requireName(request);
      if (request.version !== 4 && request.version !== 7) {
        throw new TwirpError('invalid_argument', `unsupported artifact version ${String(request.version)}`);
      }
      const existing = store.find(job.workflowRunBackendId, name);
      if (existing?.finalized) {
        throw new TwirpError('already_exists', 'an artifact with this name already exists on the workflow run');
      }
      // An upload that never finalized (a failed attempt) is replaced.
      if (existing) store.delete(existing);
      const artifact = store.create(job, name, {
        ...(typeof request.expires_at === 'string' ? { expiresAt: request.expires_at } : {}),
        ...(typeof request.mime_type === 'string' ? { mimeType: request.mime_type } : {}),
      });
      return { ok: true, signed_upload_url: context.signedUrl(artifact, 'upload') };
    }
    case 'FinalizeArtifact': {
      const name = requireName(request);
      const artifact = store.find(job.workflowRunBackendId, name, false);
      if (!artifact) throw new TwirpError('not_found', `no artifact '${name}' is being uploaded in this run`);
      if (!artifact.content) throw new TwirpError('failed_precondition', 'the artifact blob was not uploaded');
      const size = Number(request.size ?? 0);
      if (size !== artifact.content.length) {
        throw new TwirpError(
          'invalid_argument',
          `size ${size} does not match the uploaded blob (${artifact.content.length} bytes)`,
        );
      }
      if (request.hash !== undefined) {
        const actual = sha256Digest(artifact.content);
        if (request.hash !== actual) {
          throw new TwirpError('invalid_argument', `hash ${String(request.hash)} does not match the uploaded blob`);
        }
        artifact.digest = actual;
      }
      artifact.size = size;
      artifact.finalized = true;
      return { ok: true, artifact_id: String(artifact.id) };
    }
    case 'ListArtifacts': {
      const nameFilter = request.name_filter;
      const idFilter = request.id_filter === undefined ? undefined : Number(request.id_filter);
      const artifacts = store
        .ofRun(job.workflowRunBackendId)
        .filter((a) => a.finalized)
        .filter((a) => nameFilter === undefined || a.name === nameFilter)
        .filter((a) => idFilter === undefined || a.id === idFilter)
        .map((a) => ({
          workflow_run_backend_id: a.job.workflowRunBackendId,
          workflow_job_run_backend_id: a.job.workflowJobRunBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size),
          created_at: a.createdAt.toISOString(),
          ...(a.digest ? { digest: a.digest } : {}),
        }));
      return { artifacts };
    }
    case 'GetSignedArtifactURL': {
      const artifact = requireFinalized(store, job, requireName(request));
      return { signed_url: context.signedUrl(artifact, 'download') };
    }
    case 'DeleteArtifact': {
      const artifact = requireFinalized(store, job, requireName(request));
      store.delete(artifact);
      return { ok: true, artifact_id: String(artifact.id) };
    }
  }
}

// Every request names the run and job; a token's run may read and write its
// own artifacts only (any job of it: download-artifact runs in another job).
function requireJob(request: Message, caller: ArtifactJob): ArtifactJob {
  const run = request.workflow_run_backend_id;
  const job = request.workflow_job_run_backend_id;
  if (typeof run !== 'string' || typeof job !== 'string' || !run || !job) {
    throw new TwirpError('invalid_argument', 'workflow_run_backend_id and workflow_job_run_backend_id are required');
  }
  if (run !== caller.workflowRunBackendId) {
    throw new TwirpError('permission_denied', 'the token is not valid for this workflow run');
  }
  return { workflowRunBackendId: run, workflowJobRunBackendId: job };
}

function requireName(request: Message): string {
  if (typeof request.name !== 'string' || !request.name) throw new TwirpError('invalid_argument', 'name is required');
  return request.name;
}

function requireFinalized(store: ArtifactStore, job: ArtifactJob, name: string): StoredArtifact {
  const artifact = store.find(job.workflowRunBackendId, name, true);
  if (!artifact) throw new TwirpError('not_found', `artifact '${name}' not found`);
  return artifact;
}
