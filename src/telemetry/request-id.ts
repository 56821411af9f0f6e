import { randomUUID } from 'node:crypto';

/** A client's own request id is kept when it is a plain token of sane length; anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The request id of a request: the client's `X-Request-Id` when sane, else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? undefined : header?.trim();
  return value && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}
