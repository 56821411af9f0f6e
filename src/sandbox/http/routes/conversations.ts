import { invalidInput, notFound, validationFailed } from '../../domain/errors.js';
import type { Agent, ConversationRecord } from '../../domain/records.js';
import { conversationJson, messageJson } from '../../domain/serialize.js';
import { settle } from '../../domain/status.js';
import type { ConversationSort } from '../../domain/store.js';
import { CHANNELS, CONVERSATION_STATUSES } from '../../domain/types.js';
import { parseBody, updateConversationBody } from '../../domain/validation.js';
import type { Handler, RequestContext } from '../handler.js';
import { paginate, parseEnum, parsePage } from '../pagination.js';
import type { Query } from '../request.js';

const STATUS_FILTER = [...CONVERSATION_STATUSES, 'all'] as const;
const SORTS = ['last_message_at:desc', 'created_at:desc'] as const satisfies readonly ConversationSort[];

export interface ConversationFilters {
  matches: (conv: ConversationRecord) => boolean;
  /** False when no filter applies, so the cached sorted list can be sliced as is. */
  filtered: boolean;
  sort: ConversationSort;
}

/**
 * E8 filters (also accepted on E5). No `status` means every status, like `all` (SPEC G16 leaves
 * the default open; this keeps totals consistent between the two list endpoints).
 */
export function conversationFilters(query: Query): ConversationFilters {
  const status = parseEnum(query, 'status', STATUS_FILTER);
  const channel = parseEnum(query, 'channel', CHANNELS);
  const sort = parseEnum(query, 'sort', SORTS) ?? 'last_message_at:desc';
  const assigned = query.assigned_to;
  if (assigned !== undefined && assigned !== 'none' && !assigned.startsWith('usr_')) {
    throw invalidInput('assigned_to', 'must be a user id (usr_…) or none', assigned, 'usr_… | none');
  }
  const label = query.label;
  const search = query.search?.trim().toLowerCase() || undefined;
  const byStatus = status !== undefined && status !== 'all' ? status : undefined;
  const filtered =
    byStatus !== undefined ||
    channel !== undefined ||
    assigned !== undefined ||
    label !== undefined ||
    search !== undefined;
  const matches = (c: ConversationRecord) =>
    (byStatus === undefined || c.status === byStatus) &&
    (channel === undefined || c.channel === channel) &&
    (assigned === undefined ||
      (assigned === 'none' ? c.assignedTo === null : c.assignedTo?.id === assigned)) &&
    (label === undefined || c.labels.includes(label)) &&
    (search === undefined || c.searchText.includes(search));
  return { matches, filtered, sort };
}

function requireConversation(ctx: RequestContext): ConversationRecord {
  const id = ctx.params[0];
  const conv = ctx.org.conversations.get(id);
  if (conv === undefined) throw notFound('conversation', id);
  return conv;
}

export const listConversations: Handler = ({ rt, org, query }) => {
  const page = parsePage(query);
  const { matches, filtered, sort } = conversationFilters(query);
  const sorted = org.sortedConversations(sort);
  const list = filtered ? sorted.filter(matches) : sorted;
  return { status: 200, body: paginate(list, page, (c) => conversationJson(org, c, rt.embedContact)) };
};

export const getConversation: Handler = (ctx) => ({
  status: 200,
  body: conversationJson(ctx.org, requireConversation(ctx), ctx.rt.embedContact),
});

export const updateConversation: Handler = (ctx) => {
  const { rt, org } = ctx;
  const conv = requireConversation(ctx);
  const body = parseBody(updateConversationBody, ctx.body);
  let agent: Agent | null | undefined;
  if (body.assigned_to !== undefined) {
    agent = body.assigned_to === null ? null : org.agents.get(body.assigned_to);
    if (agent === undefined) {
      throw validationFailed(`Unknown user: ${body.assigned_to}`, {
        field: 'assigned_to',
        reason: 'unknown_user',
        received: body.assigned_to,
        known_users: [...org.agents.keys()],
      });
    }
  }
  const now = rt.now();
  const wasClosed = conv.status === 'closed';
  const previousAgent = conv.assignedTo;
  if (body.status !== undefined) conv.status = body.status;
  if (body.priority !== undefined) conv.priority = body.priority;
  if (agent !== undefined) conv.assignedTo = agent;
  // New arrays, never in-place edits: queued webhook payloads share them.
  if (body.labels !== undefined) conv.labels = [...body.labels];
  if (body.tags !== undefined) conv.tags = [...body.tags];
  if (body.subject !== undefined) {
    conv.subject = body.subject;
    org.rebuildSearchText(conv);
  }
  if (body.unread_count === 0) {
    conv.unreadCount = 0;
    for (const m of conv.messages) {
      if (m.sentBy === 'contact' && m.status === 'delivered') {
        m.status = 'read';
        m.readAt = now;
      }
    }
  }
  conv.updatedAt = now;
  org.invalidateSorts();
  const json = () => conversationJson(org, conv, rt.embedContact);
  rt.emit(org, 'conversation.updated', json);
  // SPEC G11: closed is the "resolved" state.
  if (conv.status === 'closed' && !wasClosed) rt.emit(org, 'conversation.resolved', json);
  if (conv.assignedTo !== null && conv.assignedTo !== previousAgent)
    rt.emit(org, 'conversation.assigned', json);
  return { status: 200, body: json() };
};

export const listMessages: Handler = (ctx) => {
  const { rt, org } = ctx;
  const conv = requireConversation(ctx);
  const page = parsePage(ctx.query);
  return {
    status: 200,
    body: paginate(conv.messages, page, (m) => {
      settle(rt, org, m);
      return messageJson(m);
    }),
  };
};

export const listTemplates: Handler = ({ org, query }) => {
  const page = parsePage(query);
  return { status: 200, body: paginate([...org.templates.values()], page, (t) => ({ ...t })) };
};
