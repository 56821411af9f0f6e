import { type ChildProcess, spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { contacts } from '../../src/upstream/contacts.js';
import { timed } from '../helpers/time.js';
import {
  caller,
  closeClients,
  closeStubs,
  contactJson,
  createClient,
  sendJson,
  startStub,
  upstreamFailure,
} from '../helpers/upstream.js';

const me = caller();

afterAll(async () => {
  await closeClients();
  await closeStubs();
});

/** A stub that also counts the sockets it accepted and the most open, and requests in flight, at once. */
async function countingStub(respond: Parameters<typeof startStub>[0]) {
  const counts = { opened: 0, open: 0, maxOpen: 0, active: 0, maxActive: 0 };
  const stub = await startStub((res, hit, index, req) => {
    counts.active++;
    counts.maxActive = Math.max(counts.maxActive, counts.active);
    res.once('finish', () => counts.active--);
    respond(res, hit, index, req);
  });
  stub.server.on('connection', (socket: Socket) => {
    counts.opened++;
    counts.open++;
    counts.maxOpen = Math.max(counts.maxOpen, counts.open);
    socket.once('close', () => counts.open--);
  });
  return { stub, counts };
}

/** Answers GET /contact/{id} with that contact. */
function contactFromUrl(res: ServerResponse, url: string): void {
  sendJson(res, 200, contactJson(decodeURIComponent(url.split('/').pop() ?? '')));
}

describe('the connection pool', () => {
  it('never opens more sockets than `connections`, and queues the rest of the reads', async () => {
    const { stub, counts } = await countingStub((res, hit) =>
      setTimeout(() => contactFromUrl(res, hit.url), 100),
    );
    const client = createClient(stub.url, { connections: 2, timeoutMs: 2_000, coalesceReads: false });
    const ids = ['cnt_1', 'cnt_2', 'cnt_3', 'cnt_4', 'cnt_5', 'cnt_6'];

    const { ms, result } = await timed(() => Promise.all(ids.map((id) => contacts.get(client, me, id))));

    expect(result.map((c) => c.id)).toEqual(ids);
    expect(stub.hits).toHaveLength(6);
    expect(counts.opened).toBe(2);
    expect(counts.maxOpen).toBe(2);
    expect(counts.maxActive).toBe(2);
    // Three rounds of two held answers: the other four reads waited for a free socket.
    expect(ms).toBeGreaterThanOrEqual(250);
  });

  it('reuses one keep-alive socket for sequential reads', async () => {
    const { stub, counts } = await countingStub((res, hit) => contactFromUrl(res, hit.url));
    const client = createClient(stub.url, { connections: 1 });

    for (let i = 0; i < 10; i++) await contacts.get(client, me, `cnt_${i}`);

    expect(stub.hits).toHaveLength(10);
    expect(counts.opened).toBe(1);
  });

  it('serves sequential reads from at most two keep-alive sockets when more are allowed', async () => {
    const { stub, counts } = await countingStub((res, hit) => contactFromUrl(res, hit.url));
    const client = createClient(stub.url, { connections: 4 });

    for (let i = 0; i < 10; i++) await contacts.get(client, me, `cnt_${i}`);

    expect(stub.hits).toHaveLength(10);
    // undici's Pool still counts the previous socket busy for a tick after its body ended, so a read
    // sent straight after the last one resolved takes a second socket; the two then alternate.
    expect(counts.opened).toBeGreaterThanOrEqual(1);
    expect(counts.opened).toBeLessThanOrEqual(2);
  });
});

describe('headers and body timeouts are separate', () => {
  // undici checks both on a ~0.5 s tick, so each fires up to ~1 s after its value: the bounds below
  // tell a 200 ms timeout from a 5 s one, not 200 ms from 300 ms.

  it('fails with timeout after bodyTimeoutMs when the body stalls after its first bytes', async () => {
    const { stub } = await countingStub((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
      res.write('{"id":"cnt_1",');
      // ...and nothing more until the stub closes.
    });
    const client = createClient(stub.url, { timeoutMs: 5_000, bodyTimeoutMs: 200, retries: 0 });

    const { ms, result: err } = await timed(() => upstreamFailure(contacts.get(client, me, 'cnt_1')));

    expect(err.kind).toBe('timeout');
    expect(err.status).toBe(200);
    expect((err.cause as { code?: string }).code).toBe('UND_ERR_BODY_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(ms).toBeLessThan(2_500);
  });

  it('fails with timeout after timeoutMs when the headers never come', async () => {
    const { stub } = await countingStub(() => {
      // Never answers.
    });
    const client = createClient(stub.url, { timeoutMs: 200, bodyTimeoutMs: 5_000, retries: 0 });

    const { ms, result: err } = await timed(() => upstreamFailure(contacts.get(client, me, 'cnt_1')));

    expect(err.kind).toBe('timeout');
    expect(err.status).toBeUndefined();
    expect((err.cause as { code?: string }).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(ms).toBeLessThan(2_500);
  });

  it('bounds the gap between body chunks, not the whole body', async () => {
    const text = JSON.stringify(contactJson('cnt_1'));
    const chunks = 8;
    const { stub } = await countingStub((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      let sent = 0;
      const next = () => {
        res.write(text.slice((sent * text.length) / chunks, ((sent + 1) * text.length) / chunks));
        sent++;
        if (sent < chunks) setTimeout(next, 200);
        else res.end();
      };
      next();
    });
    const client = createClient(stub.url, { timeoutMs: 5_000, bodyTimeoutMs: 300, retries: 0 });

    const { ms, result: contact } = await timed(() => contacts.get(client, me, 'cnt_1'));

    expect(contact.id).toBe('cnt_1');
    // Longer than bodyTimeoutMs plus undici's timer slack: a whole-body bound would have fired.
    expect(ms).toBeGreaterThanOrEqual(1_350);
  });
});

/**
 * A listening socket whose accept queue is full, so a new connection's SYN is dropped and connect()
 * hangs. A node server accepts at once, so it listens in a child process whose event loop is then
 * blocked; the test fills the kernel's queue (backlog 1) with sockets until one of them stalls.
 */
async function unacceptingListener(): Promise<{ port: number; stalled: boolean; close: () => void }> {
  const script = `
    const server = require('node:net').createServer();
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      process.stdout.write(server.address().port + '\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000);
    });`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (data) => resolve(Number(String(data).trim())));
  });
  const fillers: Socket[] = [];
  let stalled = false;
  for (let i = 0; i < 16 && !stalled; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    stalled = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), 300);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
  return {
    port,
    stalled,
    close: () => {
      for (const socket of fillers) socket.destroy();
      child.kill('SIGKILL');
    },
  };
}

describe('connect timeout', () => {
  it('fails as unavailable after connectTimeoutMs when the TCP handshake never completes', async (ctx) => {
    const listener = await unacceptingListener();
    try {
      // Without a full accept queue there is no way to hang a loopback connect: skip, do not fake it.
      if (!listener.stalled) ctx.skip();
      const client = createClient(`http://127.0.0.1:${listener.port}/v2`, {
        connectTimeoutMs: 300,
        timeoutMs: 5_000,
        retries: 0,
      });

      const { ms, result: err } = await timed(() => upstreamFailure(contacts.get(client, me, 'cnt_1')));

      expect(err.kind).toBe('unavailable');
      expect((err.cause as { code?: string }).code).toBe('UND_ERR_CONNECT_TIMEOUT');
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(2_000);
    } finally {
      listener.close();
    }
  });
});
