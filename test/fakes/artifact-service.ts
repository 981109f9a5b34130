import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  blobError,
  blobOperation,
  handleBlob,
  type BlobOperation,
  type BlobResponse,
} from './artifact-service/blob-storage.ts';
import { RuntimeTokens, type ArtifactJob } from './artifact-service/runtime-token.ts';
import { ArtifactStore, type StoredArtifact } from './artifact-service/store.ts';
import {
  handleTwirp,
  isTwirpMethod,
  TWIRP_PREFIX,
  TwirpError,
  type TwirpCode,
  type TwirpMethod,
} from './artifact-service/twirp.ts';
import type { GitHubApiFake } from './github-api.ts';
import { FaultQueue, ServerTimers, type InjectedFault } from './fault-queue.ts';

// A fake of what @actions/artifact talks to in a job, over real HTTP on
// loopback, so that the real client runs: the results service's Twirp
// ArtifactService (ACTIONS_RESULTS_URL, authorised by ACTIONS_RUNTIME_TOKEN)
// and the Azure Blob Storage behind the signed URLs it hands out. Artifacts
// live in memory, per run. Another run's artifacts are read by the client
// through GitHub's REST API instead: `publishToGitHub` copies an artifact
// into the GitHub API fake, as GitHub lists a run's artifacts there.
//
// The client refuses GHES: GITHUB_SERVER_URL must be unset or github.com.

export type { ArtifactJob, StoredArtifact, TwirpMethod, BlobOperation };

/** What a request does: a Twirp method, or a blob operation on a signed URL. */
export type ArtifactOperation = TwirpMethod | BlobOperation;

export type ArtifactFault =
  /** An error status: Twirp's `{ code, msg }` or Azure's XML error. */
  | { kind: 'status'; status: number; message?: string }
  /** A slow response: waits, then answers normally. */
  | { kind: 'delay'; ms: number }
  /** A dropped connection: the request is read, then the socket destroyed. */
  | { kind: 'drop' };

export type InjectedArtifactFault = InjectedFault<ArtifactFault> & { readonly operation: ArtifactOperation };

export interface ArtifactRequest {
  operation: ArtifactOperation | undefined;
  method: string;
  path: string;
  /** Bytes of the request body. */
  bytes: number;
  /** The status answered; undefined while pending or when the connection was dropped. */
  status?: number;
  fault?: ArtifactFault['kind'];
}

export interface ArtifactServiceFake {
  /** For ACTIONS_RESULTS_URL; the blob endpoint is on the same server. */
  readonly url: string;
  /** The job `env()` and `runtimeToken()` stand for when given none. */
  readonly defaultJob: ArtifactJob;
  /** A job of a new run: its artifacts are apart from every other run's. */
  newJob(): ArtifactJob;
  /** An ACTIONS_RUNTIME_TOKEN for the job. */
  runtimeToken(job?: ArtifactJob): string;
  /** What a step needs to use artifacts as that job: ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL. */
  env(job?: ArtifactJob): { ACTIONS_RUNTIME_TOKEN: string; ACTIONS_RESULTS_URL: string };

  /** The artifacts of the job's run, live, finalized or not, oldest first. */
  artifacts(job?: ArtifactJob): StoredArtifact[];
  /** The finalized artifact of that name in the job's run. */
  artifact(name: string, job?: ArtifactJob): StoredArtifact | undefined;
  /**
   * Copies a finalized artifact of the job's run into the GitHub API fake as
   * an artifact of workflow run `runId` (seeded there), where another run's
   * download (`findBy`) finds it. GitHub gives it a new id.
   */
  publishToGitHub(
    github: Pick<GitHubApiFake, 'seedArtifact'>,
    repository: string,
    artifact: { name: string; runId: number; job?: ArtifactJob },
  ): ReturnType<GitHubApiFake['seedArtifact']>;

  /** Every request received, in order of arrival. */
  readonly requests: readonly ArtifactRequest[];
  requestsTo(operation: ArtifactOperation): ArtifactRequest[];
  clearRequests(): void;
  /** Makes the next `times` requests of `operation` meet `fault`, in the order injected. */
  injectFault(operation: ArtifactOperation, fault: ArtifactFault, times?: number): InjectedArtifactFault;
  clearFaults(): void;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

export async function startArtifactServiceFake(): Promise<ArtifactServiceFake> {
  const store = new ArtifactStore();
  const tokens = new RuntimeTokens();
  const log: ArtifactRequest[] = [];
  // Faults by operation, not by path: a block and a block list share a path.
  const faults = new FaultQueue<ArtifactOperation, ArtifactFault>();
  const timers = new ServerTimers();
  let url = '';

  const signedUrl = (artifact: StoredArtifact, access: 'upload' | 'download') => {
    const expiry = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const query = new URLSearchParams({
      sv: '2025-11-05',
      se: expiry,
      sr: 'b',
      sp: access === 'upload' ? 'cw' : 'r',
      sig: access === 'upload' ? artifact.uploadSignature : artifact.downloadSignature,
    });
    return `${url}${artifact.blobPath}?${query}`;
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const parsed = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const twirpMethod = parsed.pathname.startsWith(TWIRP_PREFIX) ? parsed.pathname.slice(TWIRP_PREFIX.length) : '';
    const operation = isTwirpMethod(twirpMethod) ? twirpMethod : blobOperation(method, parsed.searchParams);
    const entry: ArtifactRequest = { operation, method, path: parsed.pathname, bytes: body.length };
    log.push(entry);
    const send = (status: number, headers: Record<string, string>, payload?: Buffer) => {
      entry.status = status;
      if (!res.destroyed) res.writeHead(status, headers).end(payload);
    };
    const sendTwirp = (status: number, message: unknown) => {
      const payload = Buffer.from(JSON.stringify(message));
      send(status, { 'content-type': 'application/json', 'content-length': String(payload.length) }, payload);
    };
    const sendBlob = (response: BlobResponse) => send(response.status, response.headers, response.body);

    const fault = operation && faults.take(operation);
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === 'drop') return void req.socket.destroy();
    if (fault?.kind === 'delay') await timers.sleep(fault.ms);
    else if (fault) {
      const message = fault.message ?? 'The server is busy.';
      if (isTwirpMethod(twirpMethod)) return sendTwirp(fault.status, { code: twirpCodeOf(fault.status), msg: message });
      return sendBlob(blobError(fault.status, fault.status === 503 ? 'ServerBusy' : 'InternalError', message));
    }

    if (twirpMethod) {
      try {
        if (method !== 'POST') throw new TwirpError('invalid_argument', 'Twirp methods are called with POST');
        if (!isTwirpMethod(twirpMethod)) throw new TwirpError('not_found', `no method ${twirpMethod}`);
        const caller = tokens.verify(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
        if (!caller) throw new TwirpError('unauthenticated', 'the runtime token is missing or invalid');
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
          throw new TwirpError('invalid_argument', 'the fake speaks Twirp over JSON only');
        }
        const request = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        return sendTwirp(200, handleTwirp(twirpMethod, request, { store, caller, signedUrl }));
      } catch (error) {
        if (error instanceof TwirpError) return sendTwirp(error.status, error.body);
        if (error instanceof SyntaxError) return sendTwirp(400, { code: 'malformed', msg: error.message });
        throw error;
      }
    }
    if (!operation) return sendBlob(blobError(400, 'UnsupportedHttpVerb', `The fake does not serve ${method} here.`));
    sendBlob(
      handleBlob(
        operation as BlobOperation,
        { method, path: parsed.pathname, query: parsed.searchParams, headers: req.headers, body },
        store,
      ),
    );
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      // A bug of the fake: loud, with the stack, for the test's author.
      if (!res.headersSent) res.writeHead(500).end(`artifact service fake failed: ${(error as Error).stack}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const newJob = (): ArtifactJob => ({ workflowRunBackendId: randomUUID(), workflowJobRunBackendId: randomUUID() });
  const defaultJob = newJob();
  const runtimeToken = (job = defaultJob) => tokens.issue(job);

  return {
    url,
    defaultJob,
    newJob,
    runtimeToken,
    env: (job = defaultJob) => ({ ACTIONS_RUNTIME_TOKEN: runtimeToken(job), ACTIONS_RESULTS_URL: `${url}/` }),
    artifacts: (job = defaultJob) => store.ofRun(job.workflowRunBackendId),
    artifact: (name, job = defaultJob) => store.find(job.workflowRunBackendId, name, true),
    publishToGitHub: (github, repository, { name, runId, job = defaultJob }) => {
      const artifact = store.find(job.workflowRunBackendId, name, true);
      if (!artifact?.content)
        throw new Error(`No finalized artifact '${name}' to publish in run ${job.workflowRunBackendId}.`);
      return github.seedArtifact(repository, { runId, name, content: artifact.content });
    },
    requests: log,
    requestsTo: (operation) => log.filter((entry) => entry.operation === operation),
    clearRequests: () => {
      log.length = 0;
    },
    injectFault: (operation, fault, times = 1) => Object.assign(faults.inject(operation, fault, times), { operation }),
    clearFaults: () => faults.clear(),
    close: () => timers.closeServer(server),
  };
}

function twirpCodeOf(status: number): TwirpCode {
  if (status === 503) return 'unavailable';
  if (status === 404) return 'not_found';
  if (status === 403) return 'permission_denied';
  if (status === 401) return 'unauthenticated';
  if (status === 400) return 'invalid_argument';
  return 'internal';
}
