import { describe, expect, it } from 'vitest';
import { contacts } from '../../src/upstream/contacts.js';
import { conversations } from '../../src/upstream/conversations.js';
import { messages } from '../../src/upstream/messages.js';
import { encodeSegment } from '../../src/upstream/paths.js';
import { caller, client, sandbox, upstreamFailure, useSandboxClient } from '../helpers/upstream.js';

useSandboxClient({ seedContacts: 3 });
const me = caller();

describe('encodeSegment', () => {
  it.each([
    ['cnt_abc123', 'cnt_abc123'],
    ['+14155550100', '%2B14155550100'],
    ['john@example.com', 'john@example.com'],
    ['a+b@example.com', 'a%2Bb@example.com'],
    ['a/b', 'a%2Fb'],
    ['a?b=c', 'a%3Fb%3Dc'],
    ['a#b', 'a%23b'],
    ['100%', '100%25'],
    ['..', '%2E%2E'],
    ['.', '%2E'],
    ['a b', 'a%20b'],
  ])('puts %j into one segment as %j', (value, encoded) => {
    expect(encodeSegment(value)).toBe(encoded);
  });
});

describe('an identifier cannot change the route', () => {
  it.each([
    '../contacts',
    '..',
    '.',
    'cnt_x/conversations',
    'x?limit=1',
    'x#fragment',
    '100%',
    '%2E%2E',
    '+',
  ])('GET /contact/{id} with %j reaches the contact route and gets 404 for that identifier', async (id) => {
    const err = await upstreamFailure(contacts.get(client, me, id));

    expect(err).toMatchObject({
      kind: 'http',
      status: 404,
      error: 'not_found',
      route: '/contact/{id}',
      details: { resource: 'contact', identifier: id },
    });
    expect(sandbox.requests).toHaveLength(1);
    const [request] = sandbox.requests;
    expect(request.method).toBe('GET');
    expect(request.query).toEqual({});
    // One segment after /contact/ that decodes back to the identifier.
    const segment = request.path.slice('/v2/contact/'.length);
    expect(request.path.startsWith('/v2/contact/')).toBe(true);
    expect(segment).not.toMatch(/[/?#]/);
    expect(decodeURIComponent(segment)).toBe(id);
  });

  it('sends ../contacts as a single encoded segment, not a walk up to the contact list', async () => {
    await upstreamFailure(contacts.get(client, me, '../contacts'));

    expect(sandbox.requests.map((r) => r.path)).toEqual(['/v2/contact/..%2Fcontacts']);
    expect(sandbox.requests.some((r) => r.path === '/v2/contacts')).toBe(false);
  });

  it('encodes dot segments so no server resolves them', async () => {
    await upstreamFailure(contacts.get(client, me, '..'));
    await upstreamFailure(contacts.get(client, me, '.'));

    expect(sandbox.requests.map((r) => r.path)).toEqual(['/v2/contact/%2E%2E', '/v2/contact/%2E']);
  });

  it('keeps a slash in a conversation id from reaching the messages list', async () => {
    const err = await upstreamFailure(conversations.get(client, me, 'conv_x/messages'));

    expect(err).toMatchObject({
      status: 404,
      details: { resource: 'conversation', identifier: 'conv_x/messages' },
    });
    expect(sandbox.requests.map((r) => r.path)).toEqual(['/v2/conversation/conv_x%2Fmessages']);
  });

  it('keeps a query string in a contact id out of the message route’s query', async () => {
    const err = await upstreamFailure(
      messages.send(client, me, 'cnt_x?dry_run=1', { channel: 'sms', message_type: 'text', content: 'hi' }),
    );

    expect(err).toMatchObject({ status: 404, details: { identifier: 'cnt_x?dry_run=1' } });
    expect(sandbox.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v2/contact/cnt_x%3Fdry_run%3D1/message',
      query: {},
    });
  });

  it('refuses an empty id instead of calling GET /contact/, which is no contact', async () => {
    await expect(contacts.get(client, me, '')).rejects.toThrow();

    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });
});
