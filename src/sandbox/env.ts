import { z } from 'zod';
import {
  DEFAULT_KEYS,
  type EmbedContact,
  type FaultOptions,
  type SandboxKey,
  type SandboxOptions,
  SCOPES,
} from './domain/types.js';

/** A bad environment value; its message is the one line `npm run sandbox` prints before exiting. */
export class SandboxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxConfigError';
  }
}

const integer = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));
const share = z
  .string()
  .trim()
  .regex(/^\d*\.?\d+$/)
  .transform(Number)
  .pipe(z.number().min(0).max(1));
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

function read<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<T>, expects: string): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const result = schema.safeParse(raw);
  if (!result.success)
    throw new SandboxConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected ${expects}`);
  return result.data;
}

/**
 * `key:org[:scope+scope][:limit]`, comma-separated. Scopes contain a colon themselves
 * (`contacts:read`), so a trailing all-digit part is the limit and the rest between org and limit
 * is the scope list; `key:org::60` is a Full Access key limited to 60 requests per minute.
 */
export function parseKeys(raw: string, defaultLimit?: number): SandboxKey[] {
  const fail = (why: string): never => {
    throw new SandboxConfigError(
      `SANDBOX_KEYS=${JSON.stringify(raw)} is invalid: ${why}; expected key:org[:scope+scope][:limit],…`,
    );
  };
  const keys: SandboxKey[] = [];
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parts = item.split(':');
    const [key, organizationId] = parts;
    if (!key || !organizationId) fail(`"${item}" needs at least key:org`);
    const rest = parts.slice(2);
    let limit = defaultLimit;
    const last = rest[rest.length - 1];
    if (last !== undefined && /^\d+$/.test(last)) {
      limit = Number(last);
      if (limit < 1) fail(`"${item}" has a limit below 1`);
      rest.pop();
    }
    const scopeText = rest.join(':');
    let scopes: string[] | undefined;
    if (scopeText !== '') {
      scopes = scopeText.split('+');
      const unknown = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
      if (unknown !== undefined) fail(`unknown scope "${unknown}" (known: ${SCOPES.join(', ')})`);
    }
    if (keys.some((k) => k.key === key)) fail(`key "${key}" appears twice`);
    keys.push({ key, organizationId, scopes, rateLimitPerMinute: limit });
  }
  if (keys.length === 0) fail('no keys');
  return keys;
}

/** Reads the SANDBOX_* variables for `npm run sandbox`; throws SandboxConfigError on the first bad one. */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv): SandboxOptions {
  const options: SandboxOptions = {};
  const port = read(env, 'SANDBOX_PORT', integer(0, 65535), 'a port number 0..65535');
  if (port !== undefined) options.port = port;
  const host = read(env, 'SANDBOX_HOST', z.string().trim().min(1), 'a host name or IP address');
  if (host !== undefined) options.host = host;
  const seed = read(env, 'SANDBOX_SEED', integer(0, 2 ** 32 - 1), 'an integer 0..4294967295');
  if (seed !== undefined) options.seed = seed;
  const contacts = read(env, 'SANDBOX_SEED_CONTACTS', integer(0, 100_000), 'an integer 0..100000');
  if (contacts !== undefined) options.seedContacts = contacts;
  const latency = read(env, 'SANDBOX_LATENCY_MS', integer(0, 600_000), 'milliseconds, an integer 0..600000');
  if (latency !== undefined) options.latencyMs = latency;
  const jitter = read(env, 'SANDBOX_JITTER_MS', integer(0, 600_000), 'milliseconds, an integer 0..600000');
  if (jitter !== undefined) options.jitterMs = jitter;

  const faults: FaultOptions = {};
  const rates = [
    ['SANDBOX_ERROR_RATE', 'errorRate'],
    ['SANDBOX_HANG_RATE', 'hangRate'],
    ['SANDBOX_RESET_RATE', 'resetRate'],
    ['SANDBOX_MALFORMED_RATE', 'malformedRate'],
  ] as const;
  for (const [name, field] of rates) {
    const value = read(env, name, share, 'a share between 0 and 1, e.g. 0.05');
    if (value !== undefined) faults[field] = value;
  }
  const hangMs = read(env, 'SANDBOX_HANG_MS', integer(0, 3_600_000), 'milliseconds, an integer 0..3600000');
  if (hangMs !== undefined) faults.hangMs = hangMs;
  if (Object.keys(faults).length > 0) options.faults = faults;

  const rateLimit = read(
    env,
    'SANDBOX_RATE_LIMIT',
    integer(1, 10_000_000),
    'requests per minute, an integer >= 1',
  );
  const embed = read<EmbedContact>(
    env,
    'SANDBOX_EMBED_CONTACT',
    z.enum(['full', 'summary', 'none']),
    'full, summary or none',
  );
  if (embed !== undefined) options.embedContact = embed;
  const progress = [
    ['SANDBOX_DELIVER_AFTER_MS', 'deliverAfterMs'],
    ['SANDBOX_READ_AFTER_MS', 'readAfterMs'],
  ] as const;
  for (const [name, field] of progress) {
    const value = read(env, name, integer(0, 86_400_000), 'milliseconds, an integer >= 0');
    if (value !== undefined) options[field] = value;
  }
  const logRequests = read(env, 'SANDBOX_LOG_REQUESTS', flag, '1 or 0 (true/false)');
  if (logRequests !== undefined) options.logRequests = logRequests;

  const rawKeys = env.SANDBOX_KEYS;
  if (rawKeys !== undefined && rawKeys.trim() !== '') {
    options.keys = parseKeys(rawKeys, rateLimit);
  } else if (rateLimit !== undefined) {
    options.keys = DEFAULT_KEYS.map((key) => ({ ...key, rateLimitPerMinute: rateLimit }));
  }
  return options;
}
