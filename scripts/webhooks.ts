import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UpstreamClient } from '../src/upstream/client.js';
import { UpstreamError } from '../src/upstream/errors.js';
import { WEBHOOK_EVENT_TYPES, webhooks } from '../src/upstream/webhooks.js';

// `npm run webhooks -- register --url https://gateway.example.com/webhooks/huechat`: subscribes the
// gateway's receiver to every HueChat event with the key in HUECHAT_API_KEY, and prints the signing
// secret once (HueChat shows it only on creation) with the setting that takes it.

const USAGE = `Usage: npm run webhooks -- register --url https://<gateway>/webhooks/huechat [--events a,b] [--retry-policy exponential|linear]
Needs HUECHAT_API_KEY (a key with the webhooks:manage scope); HUECHAT_API_URL defaults to https://api.huechat.ai/v2.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const argsSchema = z.object({
  command: z.literal('register', { message: 'the only command is "register"' }),
  url: z
    .string({ message: '--url is required' })
    .url('--url must be an absolute URL')
    .refine((u) => /^https?:\/\//.test(u), '--url must be an http(s) URL'),
  events: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((e) => e.trim()) : [...WEBHOOK_EVENT_TYPES]))
    .pipe(
      z.array(
        z.enum(WEBHOOK_EVENT_TYPES, { message: `--events: each one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }),
      ),
    ),
  retryPolicy: z
    .enum(['exponential', 'linear'], { message: '--retry-policy must be exponential or linear' })
    .optional(),
  apiUrl: z.string().url('HUECHAT_API_URL must be an http(s) URL').default('https://api.huechat.ai/v2'),
  apiKey: z.string({ message: 'HUECHAT_API_KEY must be set' }).min(1, 'HUECHAT_API_KEY must be set'),
});

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { url: { type: 'string' }, events: { type: 'string' }, 'retry-policy': { type: 'string' } },
  });
} catch (err) {
  fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
}
const input = argsSchema.safeParse({
  command: parsed.positionals[0],
  url: parsed.values.url,
  events: parsed.values.events,
  retryPolicy: parsed.values['retry-policy'],
  apiUrl: process.env.HUECHAT_API_URL || undefined,
  apiKey: process.env.HUECHAT_API_KEY || undefined,
});
if (!input.success) fail(`${input.error.issues[0].message}\n${USAGE}`);
const args = input.data;

const client = new UpstreamClient({
  baseUrl: args.apiUrl.replace(/\/+$/, ''),
  connections: 1,
  connectTimeoutMs: 5_000,
  timeoutMs: 15_000,
  retries: 0,
  retryMaxWaitMs: 0,
  coalesceReads: false,
});
try {
  const hook = await webhooks.create(
    client,
    { apiKey: args.apiKey },
    { url: args.url, events: args.events, retry_policy: args.retryPolicy },
  );
  if (!hook.signing_secret) fail(`HueChat created webhook ${hook.id} but returned no signing secret`);
  process.stdout.write(
    [
      `Registered webhook ${hook.id} -> ${hook.url} (${hook.events.length} event types).`,
      '',
      'Its signing secret, shown this once:',
      '',
      `  ${hook.signing_secret}`,
      '',
      'Give it to every gateway instance (comma-separate it from the old one during a rotation):',
      '',
      `  HUECHAT_WEBHOOK_SECRETS=${hook.signing_secret}`,
      '',
    ].join('\n'),
  );
} catch (err) {
  const detail =
    err instanceof UpstreamError
      ? `HueChat answered ${err.status ?? err.kind}`
      : err instanceof Error
        ? err.message
        : String(err);
  fail(`Could not register the webhook: ${detail}`);
} finally {
  await client.close();
}
