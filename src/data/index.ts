import type { GraphQLResolveInfo } from 'graphql';
import { nodeKind } from '../ids.js';
import type { CallerContext } from '../upstream/call.js';
import type { UpstreamClient } from '../upstream/client.js';
import { contactData } from './contacts.js';
import { conversationData } from './conversations.js';
import { applyChange, type Change, staleReads } from './invalidation.js';
import { createLoaders } from './loaders.js';
import type { RequestScope } from './scope.js';

export type { Change } from './invalidation.js';
export type { ContactSource, ConversationSource } from './sources.js';
export { contactOf, contactStub, conversationStub } from './sources.js';

/**
 * One request's data layer: every read goes through its loaders (one REST call per distinct resource),
 * every write through it drops what the write made stale. Created per request, never shared.
 */
export function createDataLayer(client: UpstreamClient, caller: CallerContext) {
  const loaders = createLoaders(client, caller);
  const scope: RequestScope = {
    client,
    caller,
    loaders,
    changed: (change) => applyChange(loaders, change),
  };
  const contacts = contactData(scope);
  const conversations = conversationData(scope);
  return {
    contacts,
    conversations,
    /**
     * A subscription's event arrives: what this data layer read for earlier events is dropped (each event
     * resolves as fresh as a query would), and what the event itself carries is known without a call.
     */
    startEvent(change: Change) {
      loaders.contact.clearAll();
      loaders.conversation.clearAll();
      applyChange(loaders, change);
    },
    /** A contact or conversation by its id; null for a missing one or any other id. */
    node(id: string, info?: GraphQLResolveInfo) {
      switch (nodeKind(id)) {
        case 'contact':
          return contacts.byId(id, info);
        case 'conversation':
          return conversations.byId(id, info);
        default:
          return null;
      }
    },
  };
}

export type DataLayer = ReturnType<typeof createDataLayer>;

/**
 * A change HueChat reported (a verified webhook), for every key at once: in-flight reads it makes stale
 * stop being shared, as a write through the gateway ends its own key's.
 */
export function invalidateShared(client: UpstreamClient, change: Change): void {
  client.forgetShared(staleReads(change));
}
