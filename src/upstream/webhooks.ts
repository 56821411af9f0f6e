import { z } from 'zod';
import type { CallerContext } from './call.js';
import type { UpstreamClient } from './client.js';
import { responseSchema, timestampSchema } from './common.js';

/** SPEC §8.1: every event type HueChat sends. */
export const WEBHOOK_EVENT_TYPES = [
  'message.received',
  'message.sent',
  'message.delivered',
  'message.read',
  'conversation.created',
  'conversation.updated',
  'conversation.resolved',
  'conversation.assigned',
  'contact.created',
  'contact.updated',
  'contact.deleted',
] as const;

/** SPEC §3.5. The signing secret comes back on creation only (and is what the receiver needs). */
export const webhookSchema = responseSchema(
  z.object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean().default(true),
    retry_policy: z.enum(['exponential', 'linear']).default('exponential'),
    signing_secret: z
      .string()
      .regex(/^whsec_/)
      .nullish(),
    created_at: timestampSchema.nullish(),
  }),
);
export type Webhook = z.infer<typeof webhookSchema>;

export const webhooks = {
  /** E11 `POST /webhooks`: a subscription for `url`; never retried (it would register twice). */
  create: (
    client: UpstreamClient,
    caller: CallerContext,
    body: { url: string; events: readonly string[]; retry_policy?: 'exponential' | 'linear' },
  ) => client.request(caller, { method: 'POST', route: '/webhooks', body, schema: webhookSchema }),
};
