import { z } from 'zod';
import type { CallerContext } from './call.js';
import type { UpstreamClient } from './client.js';
import { channelSchema, type PageParams, pageSchema, responseSchema, timestampSchema } from './common.js';

/** SPEC §3.1. Optional-and-unset fields come back as null; absent is tolerated too. */
export const contactSchema = responseSchema(
  z.object({
    id: z.string(),
    phone: z.string().nullish(),
    email: z.string().nullish(),
    first_name: z.string(),
    last_name: z.string().nullish(),
    full_name: z.string().nullish(),
    preferred_channel: channelSchema.nullish(),
    metadata: z.record(z.string(), z.unknown()).default({}),
    status: z.enum(['active', 'inactive', 'deleted']).default('active'),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    last_contacted: timestampSchema.nullish(),
  }),
);
export type Contact = z.infer<typeof contactSchema>;

/** SPEC §3.2: what guide examples embed in a conversation. */
export const contactSummarySchema = z.object({
  id: z.string(),
  full_name: z.string().nullish(),
  phone: z.string().nullish(),
});
export type ContactSummary = z.infer<typeof contactSummarySchema>;

export const contactPageSchema = pageSchema(contactSchema);

export interface ContactWrite {
  phone?: string | null;
  email?: string | null;
  first_name?: string;
  last_name?: string | null;
  preferred_channel?: string | null;
  metadata?: Record<string, unknown> | null;
}

export const contacts = {
  /** E2: by id, E.164 phone or email. */
  get: (client: UpstreamClient, caller: CallerContext, identifier: string) =>
    client.request(caller, {
      method: 'GET',
      route: '/contact/{id}',
      params: { id: identifier },
      schema: contactSchema,
    }),
  /** E7 */
  list: (client: UpstreamClient, caller: CallerContext, params: PageParams & { search?: string }) =>
    client.request(caller, {
      method: 'GET',
      route: '/contacts',
      query: { ...params },
      schema: contactPageSchema,
    }),
  /** E1 */
  create: (client: UpstreamClient, caller: CallerContext, body: ContactWrite) =>
    client.request(caller, { method: 'POST', route: '/contact', body, schema: contactSchema }),
  /** E3: partial; metadata merged, null keys removed. */
  update: (client: UpstreamClient, caller: CallerContext, id: string, body: ContactWrite) =>
    client.request(caller, {
      method: 'PUT',
      route: '/contact/{id}',
      params: { id },
      body,
      schema: contactSchema,
    }),
  /** E4: cascades to conversations and messages. */
  delete: (client: UpstreamClient, caller: CallerContext, id: string) =>
    client.request(caller, { method: 'DELETE', route: '/contact/{id}', params: { id }, schema: null }),
};
