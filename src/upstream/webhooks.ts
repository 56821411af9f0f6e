import { z } from 'zod';
import { type PageParams, pageSchema, responseSchema, timestampSchema } from './common.js';
import type { CallerContext, UpstreamClient } from './http.js';

/** SPEC §3.5 */
export const webhookSchema = responseSchema(
  z.object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean().default(true),
    retry_policy: z.enum(['exponential', 'linear']).default('exponential'),
    signing_secret: z.string().nullish(),
    created_at: timestampSchema.nullish(),
    updated_at: timestampSchema.nullish(),
  }),
);
const webhookPageSchema = pageSchema(webhookSchema);
export type Webhook = z.infer<typeof webhookSchema>;

export interface WebhookWrite {
  url?: string;
  events?: string[];
  active?: boolean;
  retry_policy?: 'exponential' | 'linear';
}

export const webhooks = {
  /** E11 */
  create: (
    client: UpstreamClient,
    caller: CallerContext,
    body: WebhookWrite & { url: string; events: string[] },
  ) => client.request(caller, { method: 'POST', route: '/webhooks', body, schema: webhookSchema }),
  /** I1 */
  list: (client: UpstreamClient, caller: CallerContext, params: PageParams = {}) =>
    client.request(caller, {
      method: 'GET',
      route: '/webhooks',
      query: { ...params },
      schema: webhookPageSchema,
    }),
  /** I2 */
  get: (client: UpstreamClient, caller: CallerContext, id: string) =>
    client.request(caller, { method: 'GET', route: '/webhooks/{id}', params: { id }, schema: webhookSchema }),
  /** I3 */
  update: (client: UpstreamClient, caller: CallerContext, id: string, body: WebhookWrite) =>
    client.request(caller, {
      method: 'PUT',
      route: '/webhooks/{id}',
      params: { id },
      body,
      schema: webhookSchema,
    }),
  /** I4 */
  delete: (client: UpstreamClient, caller: CallerContext, id: string) =>
    client.request(caller, { method: 'DELETE', route: '/webhooks/{id}', params: { id }, schema: null }),
};
