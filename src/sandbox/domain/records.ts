import type {
  Channel,
  ContactStatus,
  ConversationStatus,
  EventType,
  MessageStatus,
  MessageType,
  Priority,
} from './types.js';

// The records the in-memory store keeps, and small helpers on them.

export interface Agent {
  id: string;
  name: string;
  email: string;
}

export interface Template {
  name: string;
  language: string;
  category: string;
  status: 'approved' | 'pending' | 'rejected';
  body: string;
  parameter_count: number;
}

/** Times are epoch ms; the serialisers turn them into whole-second ISO strings. */
export interface ContactRecord {
  id: string;
  seq: number;
  phone: string | null;
  email: string | null;
  firstName: string;
  lastName: string | null;
  preferredChannel: Channel | null;
  metadata: Record<string, unknown>;
  status: ContactStatus;
  createdAt: number;
  updatedAt: number;
  lastContacted: number | null;
  /** Opens the WhatsApp 24 h window (SPEC §9). */
  lastWhatsappInboundAt: number | null;
  /** Lower-cased name, email and phone for `GET /contacts?search=`. */
  searchText: string;
}

export interface ConversationRecord {
  id: string;
  seq: number;
  contactId: string;
  channel: Channel;
  subject: string | null;
  status: ConversationStatus;
  priority: Priority;
  assignedTo: Agent | null;
  labels: string[];
  tags: string[];
  unreadCount: number;
  createdAt: number;
  updatedAt: number;
  /** Oldest first: the REST order of `GET /conversation/{id}/messages`. */
  messages: MessageRecord[];
  /** Lower-cased subject and message text, kept current so search never walks the messages. */
  searchText: string;
}

export interface MessageRecord {
  id: string;
  seq: number;
  conversationId: string;
  contactId: string;
  channel: Channel;
  messageType: MessageType;
  content: string;
  status: MessageStatus;
  sentBy: 'user' | 'contact' | 'system';
  sender: { id: string; name: string } | null;
  sentAt: number;
  deliveredAt: number | null;
  readAt: number | null;
  error: string | null;
  media: { url: string; caption: string | null; filename: string | null } | null;
  /** Sent through the API: status follows the clock (deliverAfterMs/readAfterMs). Seeded ones stay put. */
  autoProgress: boolean;
}

export interface WebhookRecord {
  id: string;
  seq: number;
  url: string;
  events: EventType[];
  active: boolean;
  retryPolicy: 'exponential' | 'linear';
  signingSecret: string;
  createdAt: number;
  updatedAt: number;
}

export function fullName(firstName: string, lastName: string | null): string {
  return lastName ? `${firstName} ${lastName}` : firstName;
}

export function isOutbound(message: MessageRecord): boolean {
  return message.sentBy !== 'contact';
}

export function renderTemplate(template: Template, parameters: readonly string[]): string {
  return template.body.replace(/\{\{(\d+)\}\}/g, (_, n: string) => parameters[Number(n) - 1] ?? '');
}
