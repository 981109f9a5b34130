import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ArtifactStore, StoredArtifact } from './store.ts';

// The Azure Blob Storage operations @actions/artifact uses on the signed URL
// of an artifact: @azure/storage-blob's BlockBlobClient.uploadStream stages
// blocks (`PUT ?comp=block&blockid=`) and commits them (`PUT ?comp=blocklist`,
// an XML list of ids); a single Put Blob is served too. Download is a plain
// GET. Responses carry the headers the SDK reads (x-ms-request-id, ETag,
// Last-Modified, Content-MD5); errors are Azure's XML with x-ms-error-code.

export interface BlobRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface BlobResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

export type BlobOperation = 'PutBlock' | 'PutBlockList' | 'PutBlob' | 'GetBlob';

/** The operation a request to the blob endpoint stands for; undefined for any other. */
export function blobOperation(method: string, query: URLSearchParams): BlobOperation | undefined {
  const comp = query.get('comp');
  if (method === 'PUT' && comp === 'block') return 'PutBlock';
  if (method === 'PUT' && comp === 'blocklist') return 'PutBlockList';
  if (method === 'PUT' && comp === null) return 'PutBlob';
  if ((method === 'GET' || method === 'HEAD') && comp === null) return 'GetBlob';
  return undefined;
}

// The service version the fake answers as; the SDK sends its own and ignores ours.
const SERVICE_VERSION = '2025-11-05';

export function handleBlob(operation: BlobOperation, request: BlobRequest, store: ArtifactStore): BlobResponse {
  const artifact = store.byBlobPath(request.path);
  if (!artifact) return blobError(404, 'BlobNotFound', 'The specified blob does not exist.', request);
  const write = operation !== 'GetBlob';
  const signature = write ? artifact.uploadSignature : artifact.downloadSignature;
  if (request.query.get('sig') !== signature || (write && artifact.finalized)) {
    return blobError(
      403,
      'AuthenticationFailed',
      'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
      request,
    );
  }
  switch (operation) {
    case 'PutBlock': {
      const blockId = request.query.get('blockid');
      if (!blockId) return blobError(400, 'InvalidQueryParameterValue', 'blockid is required.', request);
      artifact.stagedBlocks.set(blockId, request.body);
      return created(request, { 'content-md5': md5(request.body) });
    }
    case 'PutBlockList': {
      const ids = [...request.body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(
        (m) => m[2]!,
      );
      const blocks = ids.map((id) => artifact.stagedBlocks.get(id));
      if (blocks.some((block) => block === undefined)) {
        return blobError(400, 'InvalidBlockList', 'The specified block list is invalid.', request);
      }
      commit(artifact, Buffer.concat(blocks as Buffer[]), request);
      artifact.stagedBlocks.clear();
      return created(request, committedHeaders(artifact));
    }
    case 'PutBlob': {
      if (request.headers['x-ms-blob-type'] !== 'BlockBlob') {
        return blobError(400, 'InvalidHeaderValue', 'x-ms-blob-type must be BlockBlob.', request);
      }
      commit(artifact, request.body, request);
      return created(request, { ...committedHeaders(artifact), 'content-md5': md5(request.body) });
    }
    case 'GetBlob': {
      if (!artifact.content) return blobError(404, 'BlobNotFound', 'The specified blob does not exist.', request);
      return {
        status: 200,
        headers: {
          ...common(request),
          ...committedHeaders(artifact),
          'content-type': artifact.contentType ?? 'application/zip',
          'content-length': String(artifact.content.length),
          'x-ms-blob-type': 'BlockBlob',
          'accept-ranges': 'bytes',
        },
        body: request.method === 'HEAD' ? undefined : artifact.content,
      };
    }
  }
}

function commit(artifact: StoredArtifact, content: Buffer, request: BlobRequest): void {
  artifact.content = content;
  const type = request.headers['x-ms-blob-content-type'];
  artifact.contentType = typeof type === 'string' ? type : undefined;
}

function committedHeaders(artifact: StoredArtifact): Record<string, string> {
  return {
    etag: `"0x${createHash('sha1')
      .update(artifact.content ?? '')
      .digest('hex')
      .slice(0, 15)
      .toUpperCase()}"`,
    'last-modified': new Date().toUTCString(),
  };
}

function created(request: BlobRequest, headers: Record<string, string>): BlobResponse {
  return {
    status: 201,
    headers: { ...common(request), ...headers, 'x-ms-request-server-encrypted': 'true', 'content-length': '0' },
  };
}

function common(request: BlobRequest): Record<string, string> {
  const clientRequestId = request.headers['x-ms-client-request-id'];
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': SERVICE_VERSION,
    ...(typeof clientRequestId === 'string' ? { 'x-ms-client-request-id': clientRequestId } : {}),
  };
}

export function blobError(status: number, code: string, message: string, request?: BlobRequest): BlobResponse {
  const body = Buffer.from(
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`,
  );
  return {
    status,
    headers: {
      ...(request ? common(request) : {}),
      'x-ms-error-code': code,
      'content-type': 'application/xml',
      'content-length': String(body.length),
    },
    body,
  };
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}
