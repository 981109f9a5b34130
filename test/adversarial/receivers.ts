import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';

// Loopback servers the adversarial tests point the actions at: a webhook
// receiver (notify-webhook), Terraform's http state backend (so that the
// backend's password is a real credential the test can give), and bare
// recorders that count every connection or request, to prove that a refused
// input reached nothing.

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

async function listen(
  handle: (request: ReceivedRequest, res: ServerResponse) => void,
  socketPath?: string,
): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      handle(request, res);
    });
  });
  await new Promise<void>((resolve) =>
    socketPath ? server.listen(socketPath, resolve) : server.listen(0, '127.0.0.1', resolve),
  );
  const url = socketPath ? `unix://${socketPath}` : `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Slack-compatible incoming webhook: answers `ok` to every POST and keeps the bodies. */
export function startWebhookReceiver(): Promise<HttpReceiver> {
  return listen((_request, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
}

/** An HTTP server that answers `status` (default 503) to everything and records it. */
export function startRequestRecorder(status = 503, socketPath?: string): Promise<HttpReceiver> {
  return listen((_request, res) => void res.writeHead(status).end(), socketPath);
}

export interface StateBackend extends HttpReceiver {
  /** The state stored at a path (`/state/<name>`), as Terraform last wrote it. */
  state(name: string): string | undefined;
}

/**
 * Terraform's `http` backend (GET, POST, DELETE of a state document at an
 * address), with basic authentication: only `username:password` may use it.
 */
export async function startStateBackend(username: string, password: string): Promise<StateBackend> {
  const states = new Map<string, string>();
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const receiver = await listen((request, res) => {
    if (request.headers.authorization !== expected) return void res.writeHead(401).end('unauthorized');
    const key = new URL(request.path, 'http://x').pathname;
    if (request.method === 'GET') {
      const state = states.get(key);
      return void (state === undefined ? res.writeHead(404).end() : res.writeHead(200).end(state));
    }
    if (request.method === 'POST') {
      states.set(key, request.body);
      return void res.writeHead(200).end();
    }
    if (request.method === 'DELETE') {
      states.delete(key);
      return void res.writeHead(200).end();
    }
    res.writeHead(405).end();
  });
  return { ...receiver, state: (name) => states.get(`/state/${name}`) };
}

export interface ConnectionRecorder {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP listener that counts connections and closes them (an SSH host or registry nothing should reach). */
export async function startConnectionRecorder(): Promise<ConnectionRecorder> {
  let connections = 0;
  const server: Server = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
