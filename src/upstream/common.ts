import { z } from 'zod';

export const channelSchema = z.enum(['whatsapp', 'instagram', 'sms', 'email']);
export type Channel = z.infer<typeof channelSchema>;

/** SPEC §1: ISO-8601 UTC, seconds or milliseconds precision. */
export const timestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);

/** SPEC §3.9 envelope. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    pagination: z.object({
      limit: z.number().int(),
      offset: z.number().int(),
      total: z.number().int(),
      has_more: z.boolean(),
    }),
  });
}

export interface Page<T> {
  data: T[];
  pagination: { limit: number; offset: number; total: number; has_more: boolean };
}

export interface PageParams {
  limit?: number;
  offset?: number;
}
