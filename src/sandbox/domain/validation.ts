import { z } from 'zod';
import { ApiError, invalidInput } from './errors.js';
import {
  CHANNELS,
  CONTACT_STATUSES,
  CONVERSATION_STATUSES,
  EVENT_TYPES,
  MESSAGE_TYPES,
  PRIORITIES,
} from './types.js';

/** E.164: `+`, a non-zero country digit, 7 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const phone = z.string().regex(E164, 'must be in E.164 format');
const email = z.string().regex(EMAIL, 'must be an email address');
const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');
const metadata = z.record(z.string(), z.unknown());
const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const createContactBody = z.object({
  phone: phone.nullish(),
  email: email.nullish(),
  first_name: nonEmpty,
  last_name: z.string().nullish(),
  preferred_channel: z.enum(CHANNELS).nullish(),
  metadata: metadata.optional(),
});

export const updateContactBody = z.object({
  phone: phone.nullish(),
  email: email.nullish(),
  first_name: nonEmpty.optional(),
  last_name: z.string().nullish(),
  preferred_channel: z.enum(CHANNELS).nullish(),
  status: z.enum(CONTACT_STATUSES).optional(),
  metadata: metadata.optional(),
});

export const sendMessageBody = z.object({
  channel: z.enum(CHANNELS),
  message_type: z.enum(MESSAGE_TYPES),
  content: z.string().optional(),
  template_name: z.string().optional(),
  template_parameters: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  media_url: httpUrl.optional(),
  caption: z.string().nullish(),
  filename: z.string().nullish(),
});

export const inboundBody = z.object({
  contact_id: nonEmpty,
  channel: z.enum(CHANNELS),
  content: nonEmpty,
  message_type: z.enum(MESSAGE_TYPES).optional(),
});

export const updateConversationBody = z.object({
  status: z.enum(CONVERSATION_STATUSES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  assigned_to: z.string().nullable().optional(),
  labels: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  subject: z.string().nullable().optional(),
  unread_count: z.literal(0).optional(),
});

const events = z.array(z.enum(EVENT_TYPES)).min(1, 'must name at least one event');
const retryPolicy = z.enum(['exponential', 'linear']);

export const createWebhookBody = z.object({
  url: httpUrl,
  events,
  active: z.boolean().optional(),
  retry_policy: retryPolicy.optional(),
});

export const updateWebhookBody = z.object({
  url: httpUrl.optional(),
  events: events.optional(),
  active: z.boolean().optional(),
  retry_policy: retryPolicy.optional(),
});

/** What each field expects, for `details.expected` (SPEC G13 superset). */
const EXPECTED: Record<string, string> = {
  phone: 'E.164 phone number, e.g. +14155550123',
  email: 'email address, e.g. jane@example.com',
  first_name: 'non-empty string',
  last_name: 'string or null',
  preferred_channel: CHANNELS.join('|'),
  channel: CHANNELS.join('|'),
  message_type: MESSAGE_TYPES.join('|'),
  metadata: 'object',
  template_parameters: 'object of positional strings, e.g. {"1": "John"}',
  media_url: 'http(s) URL',
  url: 'http(s) URL',
  events: `non-empty array of ${EVENT_TYPES.join(', ')}`,
  unread_count: '0',
  assigned_to: 'user id (usr_…) or null',
  labels: 'array of strings',
  tags: 'array of strings',
};

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let current = body;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function expectedFor(field: string, issue: z.core.$ZodIssue, received: unknown): string {
  if (field === 'phone' && typeof received === 'string' && /^\d{7,15}$/.test(received)) return `+${received}`;
  if (issue.code === 'invalid_value') return issue.values.map(String).join('|');
  const known = EXPECTED[field.split('.')[0]];
  if (known !== undefined) return known;
  return issue.code === 'invalid_type' ? issue.expected : 'valid value';
}

/** Turns the first zod issue into SPEC's 400 `invalid_input` with `{field, reason, received, expected}`. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new ApiError(400, 'invalid_input', 'Invalid request body');
  const field = issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
  const received = valueAt(body, issue.path);
  if (field === 'body') {
    throw invalidInput(
      'body',
      'must be a JSON object',
      received,
      'JSON object',
      'Request body must be a JSON object',
    );
  }
  const reason =
    received === undefined
      ? 'is required'
      : issue.code === 'invalid_value'
        ? `must be one of ${issue.values.map(String).join(', ')}`
        : issue.code === 'invalid_type'
          ? `must be ${issue.expected === 'record' ? 'an object' : issue.expected}`
          : issue.message;
  const message =
    field === 'phone' && received !== undefined
      ? 'Phone number must be in E.164 format'
      : received === undefined
        ? `${field} is required`
        : `Invalid value for ${field}: ${reason}`;
  throw invalidInput(field, reason, received, expectedFor(field, issue, received), message);
}
