import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  call,
  createContact,
  expectInvalidInput,
  expectStatus,
  type Page,
  paginationSchema,
  sandbox,
  sendMessage,
  useSandbox,
} from '../helpers/rest.js';

const LISTS = [
  'GET /contacts',
  'GET /conversations',
  'GET /contact/{id}/conversations',
  'GET /conversation/{id}/messages',
  'GET /webhooks',
  'GET /channels/whatsapp/templates',
] as const;
type ListName = (typeof LISTS)[number];

const itemSchema = z.looseObject({ id: z.string().optional(), name: z.string().optional() });
const anyPageSchema = z.object({ data: z.array(itemSchema), pagination: paginationSchema });
type Item = z.infer<typeof itemSchema>;

useSandbox({ seedContacts: 30 });
const paths = new Map<ListName, { path: string; query: Record<string, string> }>();

beforeAll(async () => {
  const busy = await createContact(sandbox);
  for (let i = 0; i < 23; i++) {
    const message = await sendMessage(sandbox, busy.id, {
      channel: 'sms',
      message_type: 'text',
      content: `m${i}`,
    });
    const res = await call(sandbox, 'PUT', `/conversation/${message.conversation_id}`, {
      body: { status: 'archived' },
    });
    expectStatus(res, 200);
  }
  const chatty = await createContact(sandbox);
  let chattyConversation = '';
  for (let i = 0; i < 25; i++) {
    const message = await sendMessage(sandbox, chatty.id, {
      channel: 'email',
      message_type: 'text',
      content: `c${i}`,
    });
    chattyConversation = message.conversation_id;
  }
  for (let i = 0; i < 22; i++) {
    const res = await call(sandbox, 'POST', '/webhooks', {
      body: { url: `http://127.0.0.1:9/hook/${i}`, events: ['conversation.assigned'], active: false },
    });
    expectStatus(res, 201);
  }

  paths.set('GET /contacts', { path: '/contacts', query: {} });
  paths.set('GET /conversations', { path: '/conversations', query: { status: 'all' } });
  paths.set('GET /contact/{id}/conversations', {
    path: `/contact/${busy.id}/conversations`,
    query: { status: 'all' },
  });
  paths.set('GET /conversation/{id}/messages', {
    path: `/conversation/${chattyConversation}/messages`,
    query: {},
  });
  paths.set('GET /webhooks', { path: '/webhooks', query: {} });
  paths.set('GET /channels/whatsapp/templates', { path: '/channels/whatsapp/templates', query: {} });
});

function key(item: Item): string {
  return item.id ?? item.name ?? JSON.stringify(item);
}

async function page(name: ListName, query: Record<string, string | number> = {}): Promise<Page<Item>> {
  const target = paths.get(name);
  if (target === undefined) throw new Error(`no path for ${name}`);
  const res = await call(sandbox, 'GET', target.path, { query: { ...target.query, ...query } });
  return expectStatus(res, 200, anyPageSchema);
}

async function invalid(name: ListName, query: Record<string, string | number>, field: string): Promise<void> {
  const target = paths.get(name);
  if (target === undefined) throw new Error(`no path for ${name}`);
  expectInvalidInput(
    await call(sandbox, 'GET', target.path, { query: { ...target.query, ...query } }),
    field,
  );
}

describe.each(LISTS)('%s pagination', (name) => {
  it('rejects limit 0, 101, a fraction and a non-number with 400 invalid_input on field "limit"', async () => {
    for (const limit of ['0', '101', '1.5', 'abc', '-5']) await invalid(name, { limit }, 'limit');
  });

  it('rejects a negative or non-numeric offset with 400 invalid_input on field "offset"', async () => {
    for (const offset of ['-1', 'x']) await invalid(name, { offset }, 'offset');
  });

  it('defaults to limit 20 and offset 0', async () => {
    const first = await page(name);
    expect(first.pagination.limit).toBe(20);
    expect(first.pagination.offset).toBe(0);
    expect(first.data.length).toBe(Math.min(20, first.pagination.total));
    expect(first.pagination.has_more).toBe(first.pagination.total > 20);
  });

  it('returns up to 100 items with limit 100 and the same order as smaller pages', async () => {
    const big = await page(name, { limit: 100 });
    expect(big.pagination.limit).toBe(100);
    expect(big.data.length).toBe(Math.min(100, big.pagination.total));
    const walked: string[] = [];
    for (let offset = 0; offset < big.pagination.total && offset < 100; offset += 7) {
      const small = await page(name, { limit: 7, offset });
      expect(small.pagination).toEqual({
        limit: 7,
        offset,
        total: big.pagination.total,
        has_more: offset + small.data.length < big.pagination.total,
      });
      walked.push(...small.data.map(key));
    }
    expect(walked.slice(0, big.data.length)).toEqual(big.data.map(key));
  });

  it('answers an offset past the end with 200, empty data and has_more false', async () => {
    const { total } = (await page(name)).pagination;
    for (const offset of [total, total + 50]) {
      const beyond = await page(name, { offset });
      expect(beyond.data).toEqual([]);
      expect(beyond.pagination).toEqual({ limit: 20, offset, total, has_more: false });
    }
  });

  it('computes has_more as offset + data.length < total on the last pages', async () => {
    const { total } = (await page(name)).pagination;
    expect(total).toBeGreaterThan(0);
    const last = await page(name, { limit: 1, offset: total - 1 });
    expect(last.data.length).toBe(1);
    expect(last.pagination.has_more).toBe(false);
    if (total > 1) {
      const beforeLast = await page(name, { limit: 1, offset: total - 2 });
      expect(beforeLast.pagination.has_more).toBe(true);
    }
  });
});

describe('list sizes used above', () => {
  it('has more than 20 items in every list except the templates', async () => {
    for (const name of LISTS.filter((n) => n !== 'GET /channels/whatsapp/templates')) {
      expect((await page(name)).pagination.total, name).toBeGreaterThan(20);
    }
  });

  it('counts 23 conversations for the contact and 25 messages in the chatty conversation', async () => {
    expect((await page('GET /contact/{id}/conversations')).pagination.total).toBe(23);
    expect((await page('GET /conversation/{id}/messages')).pagination.total).toBe(25);
  });
});
