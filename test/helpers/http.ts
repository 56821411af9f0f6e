import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// Test servers on free ports of 127.0.0.1.

/** Starts `server` on a free port of 127.0.0.1 and returns its origin (`http://127.0.0.1:PORT`). */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Drops every open connection and closes the server. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

/**
 * An origin nothing listens on: a port bound once on 127.0.0.2, then released. The test servers all bind
 * 127.0.0.1, so one that the kernel later gives the same port number still does not answer here.
 */
export async function closedOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.2:${port}`;
}
