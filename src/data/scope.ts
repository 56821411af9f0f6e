import type DataLoader from 'dataloader';
import { badUserInput } from '../errors.js';
import type { CallerContext } from '../upstream/call.js';
import type { UpstreamClient } from '../upstream/client.js';
import type { Change } from './invalidation.js';
import { type Loaders, type Lookup, Missing } from './loaders.js';

/** What every part of one request's data layer shares: the client, the caller, the loaders. */
export interface RequestScope {
  client: UpstreamClient;
  caller: CallerContext;
  loaders: Loaders;
  /** Records a change this request made; drops what it made stale. */
  changed(change: Change): void;
}

/**
 * The one place that decides what a missing object means (CONTRACT §3): a lookup (`contact(id)`,
 * `node`, `_entities`) answers null; a field that needs the object (a stub's fields, a non-null
 * `contact`) fails with HueChat's own 404, which errors.ts turns into NOT_FOUND with its status,
 * error and request id.
 */
export function lookups<T>(loader: DataLoader<string, Lookup<T>>) {
  return {
    find: (id: string): Promise<T | null> => loader.load(id).then((v) => (v instanceof Missing ? null : v)),
    get: (id: string): Promise<T> =>
      loader.load(id).then((v) => {
        if (v instanceof Missing) throw v.error;
        return v;
      }),
  };
}

/** Only the fields a caller gave go to HueChat, under their REST names. */
export function restFields<T extends object>(
  input: Record<string, unknown>,
  names: Record<string, keyof T>,
): Partial<T> {
  const body: Record<string, unknown> = {};
  for (const key in input) {
    const value = input[key];
    const name = names[key];
    if (value !== undefined && name) body[name as string] = value;
  }
  return body as Partial<T>;
}

/** A partial update that would change nothing is the caller's mistake, caught before any call. */
export function requireChanges<T extends object>(body: T): T {
  if (Object.keys(body).length === 0)
    throw badUserInput('input must change at least one field', { field: 'input', reason: 'empty' });
  return body;
}
