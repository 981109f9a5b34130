import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback port that was free a moment ago, for servers that must be told
 * their port (sshd, docker-registry) or for a port nothing listens on. Another
 * process may take it in between; starters that care retry.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
