import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

// A real HTTP server on loopback for probe tests: each route is a small
// handler; the server records every request and how many were in flight at
// once, so tests can observe concurrency without timing.

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Route = (req: RecordedRequest, res: ServerResponse, hit: number) => void | Promise<void>;

export interface HttpApp {
  url: string;
  requests: RecordedRequest[];
  hits(path: string): number;
  maxInFlight: number;
  close(): Promise<void>;
}

/** Starts the app over HTTP, or over HTTPS with a self-signed certificate when `tls` is set. */
export async function startHttpApp(routes: Record<string, Route>, options: { tls?: boolean } = {}): Promise<HttpApp> {
  const requests: RecordedRequest[] = [];
  const hits = new Map<string, number>();
  let inFlight = 0;
  const app = {
    url: '',
    requests,
    hits: (path: string) => hits.get(path) ?? 0,
    maxInFlight: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    app.maxInFlight = Math.max(app.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const recorded = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    requests.push(recorded);
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    const route = routes[path];
    if (!route) return void res.writeHead(404).end('not found');
    await route(recorded, res, hit);
  };
  const server = options.tls ? createTlsServer(selfSignedCertificate(), handler) : createServer(handler);
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = app.close;
  app.close = () => {
    server.closeAllConnections();
    return close();
  };
  return app;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Common routes. */
export const routes = {
  ok:
    (body = 'OK'): Route =>
    (_req, res) =>
      void res.writeHead(200, { 'content-type': 'text/plain' }).end(body),
  json:
    (value: unknown): Route =>
    (_req, res) =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value)),
  status:
    (code: number, body = ''): Route =>
    (_req, res) =>
      void res.writeHead(code).end(body),
  /** Answers 503 for the first `failures` hits, then 200. */
  flapping:
    (failures: number): Route =>
    (_req, res, hit) =>
      void (hit <= failures ? res.writeHead(503).end('warming up') : res.writeHead(200).end('OK')),
  slow:
    (ms: number, body = 'OK'): Route =>
    async (_req, res) => {
      await sleep(ms);
      if (!res.destroyed) res.writeHead(200).end(body);
    },
  redirect:
    (location: string, code = 302): Route =>
    (_req, res) =>
      void res.writeHead(code, { location }).end(),
};

/** A loopback port that nothing listens on. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A throwaway self-signed certificate for 127.0.0.1, made by openssl. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
