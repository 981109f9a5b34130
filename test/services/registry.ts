import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

// A real registry v2 server for the tests (Debian's `docker-registry`, the
// CNCF distribution server) on loopback, with htpasswd users, and a fault
// proxy that can be put in front of it.

export interface Registry {
  /** host:port, as in an image name. */
  host: string;
  /** The manifest digest of `repository:tag`, or undefined when the tag does not exist (asked as `user`). */
  manifestDigest(
    repository: string,
    tag: string,
    user: { username: string; password: string },
  ): Promise<string | undefined>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

export async function startRegistry(users: Record<string, string>): Promise<Registry> {
  const root = await mkdtemp(path.join(tmpdir(), 'registry-'));
  const htpasswd = path.join(root, 'htpasswd');
  const lines: string[] = [];
  for (const [name, password] of Object.entries(users)) {
    const { stdout } = await run('htpasswd', ['-Bbn', name, password]);
    lines.push(stdout.trim());
  }
  await writeFile(htpasswd, `${lines.join('\n')}\n`);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(root, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${path.join(root, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "${host}", secret: test-secret }`,
      `auth: { htpasswd: { realm: test-registry, path: ${htpasswd} } }`,
      '',
    ].join('\n'),
  );
  const log = createWriteStream(path.join(root, 'registry.log'));
  const server: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));

  const deadline = Date.now() + 15_000;
  while ((await status(`http://${host}/v2/`)) !== 401) {
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`docker-registry did not start:\n${await readFile(path.join(root, 'registry.log'), 'utf8')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    host,
    async manifestDigest(repository, tag, user) {
      const response = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
        method: 'HEAD',
        headers: {
          authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
          accept: [
            'application/vnd.docker.distribution.manifest.v2+json',
            'application/vnd.docker.distribution.manifest.list.v2+json',
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.oci.image.index.v1+json',
          ].join(', '),
        },
      });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`HEAD manifest ${repository}:${tag}: HTTP ${response.status}`);
      return response.headers.get('docker-content-digest') ?? undefined;
    },
    async stop() {
      server.kill('SIGTERM');
      await exited;
      log.end();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export type Fault = 'http-503' | 'http-429' | 'http-401' | 'reset';

export interface FaultProxy {
  /** host:port of the proxy, to use in image names instead of the registry's. */
  host: string;
  /** The next `count` manifest uploads (PUT …/manifests/…) fail with `fault`. */
  failManifestPuts(count: number, fault: Fault): void;
  /** Every request from now on fails with `fault`. */
  failAll(fault: Fault): void;
  /** How many requests got a fault. */
  readonly faultsServed: number;
  /** How many requests reached the proxy (served or faulted): 0 proves nothing was sent to the registry. */
  readonly requests: number;
  stop(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of `target` (host:port). The Docker engine
 * retries failed layer uploads by itself, so the faults hit the manifest
 * upload, which it does not retry: the push fails and the action's own retry
 * is what the test sees.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(':');
  let manifestFaults: { count: number; fault: Fault } = { count: 0, fault: 'http-503' };
  let always: Fault | undefined;
  let served = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const isManifestPut = req.method === 'PUT' && /\/manifests\/[^/]+$/.test(req.url ?? '');
    let fault: Fault | undefined = always;
    if (!fault && isManifestPut && manifestFaults.count > 0) {
      manifestFaults.count--;
      fault = manifestFaults.fault;
    }
    if (fault) {
      served++;
      req.resume();
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      const statusCode = { 'http-503': 503, 'http-429': 429, 'http-401': 401 }[fault];
      const code = { 'http-503': 'UNAVAILABLE', 'http-429': 'TOOMANYREQUESTS', 'http-401': 'UNAUTHORIZED' }[fault];
      res.writeHead(statusCode, {
        'content-type': 'application/json',
        ...(statusCode === 401 ? { 'www-authenticate': 'Basic realm="test-registry"' } : {}),
      });
      res.end(JSON.stringify({ errors: [{ code, message: `injected ${fault}` }] }));
      return;
    }
    const upstream = request(
      { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    failManifestPuts(count, fault) {
      manifestFaults = { count, fault };
    },
    failAll(fault) {
      always = fault;
    },
    get faultsServed() {
      return served;
    },
    get requests() {
      return requests;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function status(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url)).status;
  } catch {
    return undefined;
  }
}
