import { invalidInput } from '../domain/errors.js';
import type { Query } from './request.js';

export interface Page {
  limit: number;
  offset: number;
}

export interface PageEnvelope<T> {
  data: T[];
  pagination: { limit: number; offset: number; total: number; has_more: boolean };
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const DIGITS = /^\d+$/;

/** SPEC §5 [rec]: limit 1..100 (default 20) and offset >= 0 (default 0); anything else is a 400, not clamped. */
export function parsePage(query: Query): Page {
  const rawLimit = query.limit;
  const rawOffset = query.offset;
  let limit = DEFAULT_LIMIT;
  let offset = 0;
  if (rawLimit !== undefined) {
    limit = DIGITS.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) {
      throw invalidInput('limit', 'must be an integer from 1 to 100', rawLimit, 'integer 1..100');
    }
  }
  if (rawOffset !== undefined) {
    offset = DIGITS.test(rawOffset) ? Number(rawOffset) : Number.NaN;
    if (!Number.isSafeInteger(offset)) {
      throw invalidInput('offset', 'must be an integer of 0 or more', rawOffset, 'integer >= 0');
    }
  }
  return { limit, offset };
}

/** Maps only the page it returns, so a large list costs one slice. */
export function paginate<T, R>(items: readonly T[], page: Page, map: (item: T) => R): PageEnvelope<R> {
  const data = items.slice(page.offset, page.offset + page.limit).map(map);
  return {
    data,
    pagination: {
      limit: page.limit,
      offset: page.offset,
      total: items.length,
      has_more: page.offset + data.length < items.length,
    },
  };
}

export function parseEnum<T extends string>(query: Query, name: string, values: readonly T[]): T | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if ((values as readonly string[]).includes(raw)) return raw as T;
  throw invalidInput(name, `must be one of ${values.join(', ')}`, raw, values.join('|'));
}
