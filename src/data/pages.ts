import { z } from 'zod';
import { badUserInput } from '../errors.js';
import type { Page, PageParams } from '../upstream/common.js';

/** The REST maximum page size (SPEC §5). */
export const MAX_PAGE = 100;

/**
 * Text that goes into a list's query string (`search`, `label`). HueChat documents no bound; a
 * megabyte of it would only come back as a 414 from the upstream, after a REST call.
 */
export const MAX_QUERY_TEXT = 256;
export const queryTextSchema = z
  .string()
  .max(MAX_QUERY_TEXT, `at most ${MAX_QUERY_TEXT} characters`)
  .nullish();

export const firstSchema = z
  .number()
  .int()
  .min(1, `first must be between 1 and ${MAX_PAGE}`)
  .max(MAX_PAGE, `first must be between 1 and ${MAX_PAGE}`);

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
}

const CURSOR_PREFIX = 'OffsetConnection:';
const CURSOR_BODY = /^OffsetConnection:(0|[1-9]\d{0,15})$/;

/** Cursors are opaque to clients; inside they are the REST offset of the item. */
export const offsetToCursor = (offset: number) =>
  Buffer.from(`${CURSOR_PREFIX}${offset}`, 'utf8').toString('base64');

/**
 * The offset a cursor of ours encodes, or undefined for anything else: only the exact bytes this API
 * hands out decode (no leading zeros, exponents or signs, no non-canonical base64).
 */
export function cursorToOffset(cursor: string): number | undefined {
  const match = CURSOR_BODY.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!match) return undefined;
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) && offsetToCursor(offset) === cursor ? offset : undefined;
}

export function pageParams(args: ConnectionArgs): Required<PageParams> {
  const limit = args.first ?? 20;
  if (args.after === undefined || args.after === null) return { limit, offset: 0 };
  const offset = cursorToOffset(args.after);
  if (offset === undefined) {
    throw badUserInput('after is not a cursor returned by this API', {
      field: 'after',
      reason: 'invalid_cursor',
    });
  }
  return { limit, offset: offset + 1 };
}

/**
 * One item of a page. The cursor is computed when a client asks for it: most queries select `nodes`
 * or `edges { node }` only, and a page of 100 would otherwise encode 100 cursors nobody reads.
 */
class OffsetEdge<N> {
  constructor(
    readonly node: N,
    private readonly offset: number,
  ) {}

  get cursor(): string {
    return offsetToCursor(this.offset);
  }
}

export function toConnection<T>(page: Page<T>, offset: number): ConnectionShape<T> {
  const edges = page.data.map((item, i) => new OffsetEdge(item, offset + i));
  const count = edges.length;
  return {
    edges,
    pageInfo: {
      hasNextPage: page.pagination.has_more,
      hasPreviousPage: offset > 0,
      get startCursor() {
        return count > 0 ? offsetToCursor(offset) : null;
      },
      get endCursor() {
        return count > 0 ? offsetToCursor(offset + count - 1) : null;
      },
    },
    totalCount: page.pagination.total,
  };
}

/**
 * The page a connection field's raw arguments (as a lookahead reads them) ask for, or undefined when
 * they are invalid: then the field itself reports the error, and nothing is fetched ahead for it.
 */
export function pageParamsOf(args: Record<string, unknown>): Required<PageParams> | undefined {
  const first = firstSchema.safeParse(args.first ?? 20);
  if (!first.success) return undefined;
  const after = args.after;
  if (after !== undefined && after !== null && typeof after !== 'string') return undefined;
  try {
    return pageParams({ first: first.data, after });
  } catch {
    return undefined;
  }
}
