import { z } from 'zod';

export const channelSchema = z.enum(['whatsapp', 'instagram', 'sms', 'email']);
export type Channel = z.infer<typeof channelSchema>;

/** SPEC §1: ISO-8601 UTC, seconds or milliseconds precision. */
export const timestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);

/**
 * A schema for upstream response bodies, compiled once by `z.compile`: a valid body takes a generated
 * parser instead of zod's per-field walk (which allocates a result holder for every field of every item:
 * a 20-message page is 260 fields), and an invalid body falls back to the runtime parser, so the issues
 * and the error are zod's own either way.
 */
export const responseSchema = <T extends z.ZodType>(schema: T): T => z.compile(schema);

/** SPEC §3.9 envelope. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return responseSchema(
    z.object({
      data: z.array(item),
      pagination: z.object({
        limit: z.number().int(),
        offset: z.number().int(),
        total: z.number().int(),
        has_more: z.boolean(),
      }),
    }),
  );
}

export interface Page<T> {
  data: T[];
  pagination: { limit: number; offset: number; total: number; has_more: boolean };
}

export interface PageParams {
  limit?: number;
  offset?: number;
}
