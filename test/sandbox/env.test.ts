import { describe, expect, it } from 'vitest';
import {
  DEFAULT_KEYS,
  SandboxConfigError,
  sandboxOptionsFromEnv,
  startSandbox,
} from '../../src/sandbox/index.js';
import { call, control, SANDBOX_KEY } from '../helpers/rest.js';

/** The variables `npm run sandbox` reads into startSandbox options, each with a valid value. */
const VALID = {
  SANDBOX_PORT: '0',
  SANDBOX_SEED: '7',
  SANDBOX_SEED_CONTACTS: '12',
  SANDBOX_LATENCY_MS: '150',
  SANDBOX_JITTER_MS: '40',
  SANDBOX_RESET_RATE: '0.05',
  SANDBOX_MALFORMED_RATE: '.2',
  SANDBOX_HANG_MS: '2500',
  SANDBOX_RATE_LIMIT: '100',
};

function configError(env: NodeJS.ProcessEnv): SandboxConfigError {
  try {
    sandboxOptionsFromEnv(env);
  } catch (error) {
    if (error instanceof SandboxConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('sandboxOptionsFromEnv', () => {
  it('turns valid values into startSandbox options', () => {
    expect(sandboxOptionsFromEnv(VALID)).toEqual({
      port: 0,
      seed: 7,
      seedContacts: 12,
      latencyMs: 150,
      jitterMs: 40,
      faults: { resetRate: 0.05, malformedRate: 0.2, hangMs: 2500 },
      // The limit applies to every default key.
      keys: DEFAULT_KEYS.map((key) => ({ ...key, rateLimitPerMinute: 100 })),
    });
  });

  it('accepts the edges of each range and surrounding spaces', () => {
    expect(
      sandboxOptionsFromEnv({
        SANDBOX_PORT: '65535',
        SANDBOX_SEED: '4294967295',
        SANDBOX_SEED_CONTACTS: '0',
        SANDBOX_LATENCY_MS: ' 0 ',
        SANDBOX_JITTER_MS: '600000',
        SANDBOX_RESET_RATE: '1',
        SANDBOX_MALFORMED_RATE: '0',
        SANDBOX_HANG_MS: '0',
        SANDBOX_RATE_LIMIT: '1',
      }),
    ).toMatchObject({
      port: 65535,
      seed: 4294967295,
      seedContacts: 0,
      latencyMs: 0,
      jitterMs: 600000,
      faults: { resetRate: 1, malformedRate: 0, hangMs: 0 },
    });
  });

  it('leaves unset and empty variables to the defaults', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({});
    expect(sandboxOptionsFromEnv({ SANDBOX_LATENCY_MS: '', SANDBOX_PORT: '  ', UNRELATED: 'x' })).toEqual({});
  });

  const BAD: Array<[name: keyof typeof VALID, value: string]> = [
    ['SANDBOX_PORT', '65536'],
    ['SANDBOX_PORT', 'http'],
    ['SANDBOX_SEED', '-1'],
    ['SANDBOX_SEED', '4294967296'],
    ['SANDBOX_SEED', '1e3'],
    ['SANDBOX_SEED_CONTACTS', 'lots'],
    ['SANDBOX_SEED_CONTACTS', '100001'],
    ['SANDBOX_LATENCY_MS', 'abc'],
    ['SANDBOX_LATENCY_MS', '1.5'],
    ['SANDBOX_LATENCY_MS', '-5'],
    ['SANDBOX_JITTER_MS', '10ms'],
    ['SANDBOX_RESET_RATE', '1.5'],
    ['SANDBOX_RESET_RATE', 'half'],
    ['SANDBOX_MALFORMED_RATE', '-0.1'],
    ['SANDBOX_MALFORMED_RATE', '5%'],
    ['SANDBOX_HANG_MS', '10s'],
    ['SANDBOX_HANG_MS', '3600001'],
    ['SANDBOX_RATE_LIMIT', '0'],
    ['SANDBOX_RATE_LIMIT', 'unlimited'],
  ];
  for (const [name, value] of BAD) {
    it(`refuses ${name}=${JSON.stringify(value)} with one line naming the variable and the value`, () => {
      const error = configError({ ...VALID, [name]: value });
      const prefix = `${name}=${JSON.stringify(value)} is invalid: expected `;
      expect(error.message.startsWith(prefix), error.message).toBe(true);
      expect(error.message.length).toBeGreaterThan(prefix.length);
      expect(error.message).not.toContain('\n');
      // Only the variable at fault: the other, valid ones are not mentioned.
      expect(error.message.match(/SANDBOX_\w+/g)).toEqual([name]);
    });
  }

  it('reports one error when several variables are bad', () => {
    const error = configError({ SANDBOX_LATENCY_MS: 'x', SANDBOX_RESET_RATE: 'y' });
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message.match(/SANDBOX_\w+/g)).toHaveLength(1);
  });

  it('gives options a sandbox starts with and applies', async () => {
    const sandbox = await startSandbox(
      sandboxOptionsFromEnv({
        ...VALID,
        SANDBOX_LATENCY_MS: '5',
        SANDBOX_RESET_RATE: '0',
        SANDBOX_MALFORMED_RATE: '0',
      }),
    );
    try {
      expect((await control(sandbox, 'GET', '/latency')).json).toEqual({ latency_ms: 5, jitter_ms: 40 });
      expect((await control(sandbox, 'GET', '/faults')).json).toMatchObject({ hangMs: 2500 });
      const res = await call(sandbox, 'GET', '/contacts', { key: SANDBOX_KEY });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('100');
      expect((res.json as { pagination: { total: number } }).pagination.total).toBe(12);
    } finally {
      await sandbox.close();
    }
  });
});
