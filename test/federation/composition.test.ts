import { composeServices as composeWithApollo } from '@apollo/composition';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ORDERS_SDL } from './orders-subgraph.js';
import { HUECHAT_SDL, joinFields, joinTypes, objectType, PLACEHOLDER_URLS, services } from './supergraph.js';

// The composition libraries report some problems through console.warn rather than their result.
const watchConsole = () => ({
  warn: vi.spyOn(console, 'warn'),
  error: vi.spyOn(console, 'error'),
});

afterEach(() => {
  vi.restoreAllMocks();
});

const HUECHAT_CONTACT_FIELDS = [
  'phone',
  'email',
  'firstName',
  'lastName',
  'fullName',
  'preferredChannel',
  'status',
  'metadata',
  'createdAt',
  'updatedAt',
  'lastContactedAt',
  'conversations',
];

describe('composition of huechat and orders', () => {
  it('composes with The Guild federation-composition without errors or warnings', () => {
    const console = watchConsole();
    const result = composeWithGuild(services(PLACEHOLDER_URLS));

    expect(result.errors).toBeUndefined();
    expect(console.warn).not.toHaveBeenCalled();
    expect(console.error).not.toHaveBeenCalled();
    const supergraph = parse(result.supergraphSdl ?? '');
    const contact = objectType(supergraph, 'Contact');
    expect(joinTypes(contact)).toEqual([
      '@join__type(graph: HUECHAT, key: "id")',
      '@join__type(graph: ORDERS, key: "id")',
    ]);
    const fields = joinFields(contact);
    for (const name of HUECHAT_CONTACT_FIELDS) expect(fields[name], name).toBe('HUECHAT');
    expect(fields.orders).toBe('ORDERS');
    expect(fields.id).toBeDefined();
    expect(joinTypes(objectType(supergraph, 'Conversation'))).toEqual([
      '@join__type(graph: HUECHAT, key: "id")',
    ]);
    // The public (API) schema a client sees has Contact.orders beside the HueChat fields.
    const publicContact = objectType(parse(result.publicSdl ?? ''), 'Contact');
    expect(publicContact.fields?.map((f) => f.name.value)).toEqual(
      expect.arrayContaining(['id', 'fullName', 'conversations', 'orders']),
    );
  });

  it('composes with Apollo composition without errors, warnings or warning-level hints', () => {
    const console = watchConsole();
    const result = composeWithApollo(services(PLACEHOLDER_URLS));

    expect(result.errors).toBeUndefined();
    expect(console.warn).not.toHaveBeenCalled();
    expect(console.error).not.toHaveBeenCalled();
    const hints = (result.hints ?? []).map((h) => ({
      code: h.definition.code,
      level: h.definition.level.name,
      message: h.message,
    }));
    // Hints are advice, not failures; list whatever Apollo has to say, then hold the line at WARN.
    if (hints.length > 0) globalThis.console.info('Apollo composition hints:', hints);
    expect(hints.filter((h) => h.level === 'WARN')).toEqual([]);
    // Today there are none at all: an orders SDL that repeats Contact's description would add one.
    expect(hints).toEqual([]);

    const supergraph = parse(result.supergraphSdl ?? '');
    const contact = objectType(supergraph, 'Contact');
    expect(joinTypes(contact)).toEqual([
      '@join__type(graph: HUECHAT, key: "id")',
      '@join__type(graph: ORDERS, key: "id")',
    ]);
    const fields = joinFields(contact);
    for (const name of HUECHAT_CONTACT_FIELDS) expect(fields[name], name).toBe('HUECHAT');
    expect(fields.orders).toBe('ORDERS');
    // Apollo's API schema agrees with The Guild's on what a client can ask of a Contact.
    const apiContact = result.schema?.toAPISchema().type('Contact');
    const apiFields =
      apiContact && 'fields' in apiContact ? apiContact.fields().map((f: { name: string }) => f.name) : [];
    expect(apiFields).toEqual(expect.arrayContaining(['id', 'fullName', 'conversations', 'orders']));
  });

  it('keys Contact and Conversation by id in the checked-in subgraph SDL, and nothing else', () => {
    const subgraph = parse(HUECHAT_SDL);
    const keyed = subgraph.definitions
      .filter((d) => d.kind === 'ObjectTypeDefinition')
      .filter((d) => d.directives?.some((dir) => dir.name.value === 'key'))
      .map((d) => d.name.value);
    expect(keyed).toEqual(['Contact', 'Conversation']);
  });

  it('fails both compositions when the orders subgraph contradicts a HueChat field', () => {
    // A control: the composers above are not rubber stamps. fullName is a String! in huechat and
    // not @shareable, so a second definition is an error for both libraries.
    const conflicting = ORDERS_SDL.replace(
      'type Contact @key(fields: "id") {',
      'type Contact @key(fields: "id") {\n  fullName: Int!',
    );
    expect(composeWithGuild(services(PLACEHOLDER_URLS, conflicting)).errors?.length).toBeGreaterThan(0);
    expect(composeWithApollo(services(PLACEHOLDER_URLS, conflicting)).errors?.length).toBeGreaterThan(0);
  });
});
