import { z } from 'zod';
import type { CallerContext } from './call.js';
import type { UpstreamClient } from './client.js';
import { channelSchema, type PageParams, pageSchema, responseSchema, timestampSchema } from './common.js';
import { contactSchema, contactSummarySchema } from './contacts.js';

export const conversationStatusSchema = z.enum(['open', 'closed', 'archived']);
export const prioritySchema = z.enum(['low', 'medium', 'high']);

export const agentSchema = z.object({ id: z.string(), name: z.string(), email: z.string().nullish() });
export type Agent = z.infer<typeof agentSchema>;

/** SPEC §3.3. `contact` is a full Contact (schema) or a summary (guide examples), or absent (G9). */
export const conversationSchema = responseSchema(
  z.object({
    id: z.string(),
    contact_id: z.string(),
    contact: z.union([contactSchema, contactSummarySchema]).nullish(),
    channel: channelSchema,
    subject: z.string().nullish(),
    status: conversationStatusSchema.default('open'),
    priority: prioritySchema.default('medium'),
    assigned_to: agentSchema.nullish(),
    labels: z.array(z.string()).default([]),
    message_count: z.number().int().default(0),
    unread_count: z.number().int().default(0),
    created_at: timestampSchema,
    updated_at: timestampSchema.nullish(),
    last_message_at: timestampSchema.nullish(),
    last_message_preview: z.string().nullish(),
  }),
);
export type Conversation = z.infer<typeof conversationSchema>;

export const conversationPageSchema = pageSchema(conversationSchema);

export interface ConversationListParams extends PageParams {
  status?: string;
  channel?: string;
  assigned_to?: string;
  label?: string;
  search?: string;
  sort?: 'created_at:desc' | 'last_message_at:desc';
}

export interface ConversationWrite {
  status?: string;
  priority?: string;
  assigned_to?: string | null;
  labels?: string[];
  subject?: string | null;
}

export const conversations = {
  /** E8 */
  list: (client: UpstreamClient, caller: CallerContext, params: ConversationListParams) =>
    client.request(caller, {
      method: 'GET',
      route: '/conversations',
      query: { ...params },
      schema: conversationPageSchema,
    }),
  /** E5 */
  listForContact: (
    client: UpstreamClient,
    caller: CallerContext,
    contactId: string,
    params: PageParams & { status?: string; channel?: string },
  ) =>
    client.request(caller, {
      method: 'GET',
      route: '/contact/{id}/conversations',
      params: { id: contactId },
      query: { ...params },
      schema: conversationPageSchema,
    }),
  /** E9 */
  get: (client: UpstreamClient, caller: CallerContext, id: string) =>
    client.request(caller, {
      method: 'GET',
      route: '/conversation/{id}',
      params: { id },
      schema: conversationSchema,
    }),
  /** I5: partial update. */
  update: (client: UpstreamClient, caller: CallerContext, id: string, body: ConversationWrite) =>
    client.request(caller, {
      method: 'PUT',
      route: '/conversation/{id}',
      params: { id },
      body,
      schema: conversationSchema,
    }),
};
