import type { Change } from '../data/index.js';
import type { HueChatEvent } from './envelope.js';

/** The data layer's name for what an event changed: events invalidate exactly as writes do. */
export function changeOf(event: HueChatEvent): Change {
  switch (event.kind) {
    case 'message':
      return event.type === 'message.received' || event.type === 'message.sent'
        ? { type: 'message.added', message: event.message }
        : { type: 'message.updated', message: event.message };
    case 'conversation':
      return { type: 'conversation.updated', conversation: event.conversation };
    case 'contact':
      if (event.contact === null) return { type: 'contact.deleted', contactId: event.contactId };
      return event.type === 'contact.created'
        ? { type: 'contact.created', contact: event.contact }
        : { type: 'contact.updated', contact: event.contact };
  }
}
