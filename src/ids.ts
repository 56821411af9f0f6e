import { z } from 'zod';

/**
 * HueChat ids are a prefix and a run of safe characters. Checking the pattern before an id goes into
 * a URL keeps `..`, `/`, empty strings, control characters and lone surrogates off the REST routes.
 */
const idPattern = (prefix: string) => new RegExp(`^${prefix}[A-Za-z0-9_-]{1,64}$`);

export const ID_PATTERNS = {
  contact: idPattern('cnt_'),
  conversation: idPattern('conv_'),
  agent: idPattern('usr_'),
} as const;

export type IdKind = keyof typeof ID_PATTERNS;

export const isId = (kind: IdKind, value: string) => ID_PATTERNS[kind].test(value);

export const idSchema = (kind: IdKind) =>
  z
    .string()
    .regex(
      ID_PATTERNS[kind],
      `must be a HueChat ${kind} id (${ID_PATTERNS[kind].source.slice(1, -1).split('[')[0]}…)`,
    );

export type NodeKind = 'contact' | 'conversation';

/** Which kind of node an id names; undefined for anything that is not a well-formed HueChat id. */
export function nodeKind(id: string): NodeKind | undefined {
  if (isId('contact', id)) return 'contact';
  if (isId('conversation', id)) return 'conversation';
  return undefined;
}
