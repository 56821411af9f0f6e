import { z } from 'zod';
import type { CallerContext } from './call.js';
import type { UpstreamClient } from './client.js';
import { channelSchema, type PageParams, pageSchema, responseSchema, timestampSchema } from './common.js';

/** SPEC §3.4 */
export const messageSchema = responseSchema(
  z.object({
    id: z.string(),
    conversation_id: z.string(),
    contact_id: z.string(),
    channel: channelSchema,
    message_type: z.enum(['text', 'template', 'image', 'document']).default('text'),
    content: z.string().nullish(),
    status: z.enum(['sent', 'delivered', 'read', 'failed']).default('sent'),
    sent_by: z.enum(['user', 'contact', 'system']).default('user'),
    sender: z.object({ id: z.string(), name: z.string() }).nullish(),
    sent_at: timestampSchema,
    delivered_at: timestampSchema.nullish(),
    read_at: timestampSchema.nullish(),
    error: z.string().nullish(),
  }),
);
export type Message = z.infer<typeof messageSchema>;

export const messagePageSchema = pageSchema(messageSchema);

export interface SendMessageBody {
  channel: string;
  message_type: string;
  content?: string;
  template_name?: string;
  template_parameters?: Record<string, unknown>;
  media_url?: string;
  caption?: string;
  filename?: string;
}

export const messages = {
  /** E10: oldest first. */
  list: (client: UpstreamClient, caller: CallerContext, conversationId: string, params: PageParams) =>
    client.request(caller, {
      method: 'GET',
      route: '/conversation/{id}/messages',
      params: { id: conversationId },
      query: { ...params },
      schema: messagePageSchema,
    }),
  /** E6: creates the conversation when needed. Never retried. */
  send: (client: UpstreamClient, caller: CallerContext, contactId: string, body: SendMessageBody) =>
    client.request(caller, {
      method: 'POST',
      route: '/contact/{id}/message',
      params: { id: contactId },
      body,
      schema: messageSchema,
    }),
};
