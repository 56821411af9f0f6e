import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL: as abrupt as a crash) and resolves once it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: persistence is off). */
  start(): Promise<void>;
  /** Subscribers of a channel, as Redis counts them. */
  subscribers(channel: string): Promise<number>;
}

/** A real `redis-server` (Debian's) on a free port, persistence off, for the tests that need Redis. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
    probe.on('error', () => undefined);
    await probe.connect().catch(async () => {
      await new Promise<void>((resolve) => probe.once('ready', () => resolve()));
    });
    await probe.ping();
    probe.disconnect();
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    },
    start: launch,
    async subscribers(channel) {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const answer = (await client.pubsub('NUMSUB', channel)) as [string, number];
        return Number(answer[1]);
      } catch {
        return -1;
      } finally {
        client.disconnect();
      }
    },
  };
}
