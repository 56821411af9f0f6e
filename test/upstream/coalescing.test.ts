import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { contacts } from '../../src/upstream/contacts.js';
import { OTHER_KEY, SANDBOX_KEY } from '../helpers/rest.js';
import {
  caller,
  closeClients,
  contactJson,
  createClient,
  type Stub,
  sendJson,
  startStub,
  tracingCaller,
} from '../helpers/upstream.js';

// A stub whose GETs answer slowly and whose writes answer at once, so a write can finish while a
// read that began before it is still in flight.
let stub: Stub;
const start = async () => {
  stub = await startStub((res, hit) => {
    const id = hit.url.split('/').pop() ?? '';
    if (hit.method === 'GET') setTimeout(() => sendJson(res, 200, contactJson(id)), 250);
    else sendJson(res, 200, contactJson(id));
  });
};
const gets = () => stub.hits.filter((h) => h.method === 'GET');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => stub?.close());
afterAll(closeClients);

describe('in-flight sharing in the upstream client', () => {
  test('a GET that starts while the same GET of the same key is in flight joins it', async () => {
    await start();
    const client = createClient(stub.url);
    const first = contacts.get(client, caller(SANDBOX_KEY), 'cnt_abc');
    await pause(50);
    const traced = tracingCaller(SANDBOX_KEY);
    const second = await contacts.get(client, traced.caller, 'cnt_abc');
    expect(second.id).toBe('cnt_abc');
    expect((await first).id).toBe('cnt_abc');
    expect(gets()).toHaveLength(1);
    expect(traced.traces).toEqual([
      expect.objectContaining({ route: '/contact/{id}', coalesced: true, outcome: 'ok' }),
    ]);
  });

  test('a write by the same key in between makes the next GET go out on its own', async () => {
    await start();
    const client = createClient(stub.url);
    const before = contacts.get(client, caller(SANDBOX_KEY), 'cnt_abc');
    await pause(50);
    await contacts.update(client, caller(SANDBOX_KEY), 'cnt_abc', { last_name: 'Changed' });
    const after = await contacts.get(client, caller(SANDBOX_KEY), 'cnt_abc');
    expect(after.id).toBe('cnt_abc');
    await before;
    expect(gets()).toHaveLength(2);
  });

  test('a write by another key does not end this key’s sharing', async () => {
    await start();
    const client = createClient(stub.url);
    const before = contacts.get(client, caller(SANDBOX_KEY), 'cnt_abc');
    await pause(50);
    await contacts.update(client, caller(OTHER_KEY), 'cnt_abc', { last_name: 'Changed' });
    await contacts.get(client, caller(SANDBOX_KEY), 'cnt_abc');
    await before;
    expect(gets()).toHaveLength(1);
  });

  test('the caller that started a shared GET can leave without failing the others', async () => {
    await start();
    const client = createClient(stub.url);
    const controller = new AbortController();
    const leaving = contacts.get(client, caller(SANDBOX_KEY, { signal: controller.signal }), 'cnt_abc');
    await pause(30);
    const staying = contacts.get(client, caller(SANDBOX_KEY), 'cnt_abc');
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ kind: 'aborted' });
    expect((await staying).id).toBe('cnt_abc');
    expect(gets()).toHaveLength(1);
  });

  test('a request that goes away leaves every read it waits for; a read nobody waits for is cancelled', async () => {
    const cancelled: string[] = [];
    stub = await startStub((res, hit) => {
      const id = hit.url.split('/').pop() ?? '';
      res.on('close', () => {
        if (!res.writableEnded) cancelled.push(id);
      });
      setTimeout(() => sendJson(res, 200, contactJson(id)), 250);
    });
    const client = createClient(stub.url);
    const controller = new AbortController();
    const leaving = caller(SANDBOX_KEY, { signal: controller.signal });
    const a = contacts.get(client, leaving, 'cnt_aaa');
    const b = contacts.get(client, leaving, 'cnt_bbb');
    await pause(30);
    const staying = contacts.get(client, caller(SANDBOX_KEY), 'cnt_aaa');
    controller.abort();
    await expect(a).rejects.toMatchObject({ kind: 'aborted' });
    await expect(b).rejects.toMatchObject({ kind: 'aborted' });
    expect((await staying).id).toBe('cnt_aaa');
    await pause(50);
    // cnt_bbb had no other waiter: its GET was cut off; cnt_aaa's went on for the caller that stayed.
    expect(cancelled).toEqual(['cnt_bbb']);
    expect(gets()).toHaveLength(2);
  });

  test('with sharing switched off, every GET goes out', async () => {
    await start();
    const client = createClient(stub.url, { coalesceReads: false });
    await Promise.all([
      contacts.get(client, caller(SANDBOX_KEY), 'cnt_abc'),
      contacts.get(client, caller(SANDBOX_KEY), 'cnt_abc'),
    ]);
    expect(gets()).toHaveLength(2);
  });
});
