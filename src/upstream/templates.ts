import { z } from 'zod';
import { type PageParams, pageSchema } from './common.js';
import type { CallerContext, UpstreamClient } from './http.js';

/** SPEC §3.10 (the simulator's recommended shape; undocumented upstream, so lenient). */
export const templateSchema = z.object({
  name: z.string(),
  language: z.string().nullish(),
  category: z.string().nullish(),
  status: z.string(),
  body: z.string().nullish(),
  parameter_count: z.number().int().nullish(),
});
export type Template = z.infer<typeof templateSchema>;
const templatePageSchema = pageSchema(templateSchema);

export const templates = {
  /** E12 */
  listWhatsApp: (client: UpstreamClient, caller: CallerContext, params: PageParams = {}) =>
    client.request(caller, {
      method: 'GET',
      route: '/channels/whatsapp/templates',
      query: { ...params },
      schema: templatePageSchema,
    }),
};
