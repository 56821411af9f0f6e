/**
 * The ceiling for W1: a plain node:http + undici server that answers the inbox query's exact JSON with
 * the same REST calls the gateway makes (same paths, query strings and headers), as early as the data
 * dependencies allow, with no GraphQL, no validation and no per-field work. It reads only
 * `variables.id` from the GraphQL request body, so load generators send both servers the same bytes.
 *
 * Run as its own process by the benchmark: REFERENCE_PORT, REFERENCE_HOST, REFERENCE_UPSTREAM_URL
 * (including /v2), REFERENCE_API_KEY (used when a request has no X-API-Key), REFERENCE_CONNECTIONS.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';

interface RestContact {
  id: string;
  first_name: string;
  last_name?: string | null;
  full_name?: string | null;
}
interface RestContactSummary {
  id: string;
  full_name?: string | null;
}
interface RestConversation {
  id: string;
  contact_id: string;
  contact?: RestContact | RestContactSummary | null;
  subject?: string | null;
  last_message_at?: string | null;
}
interface RestMessage {
  id: string;
  content?: string | null;
  status: string;
  sent_at: string;
}
interface RestPage<T> {
  data: T[];
  pagination: { total: number };
}

class RestStatus extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
  ) {
    super(`upstream answered ${status} for ${path}`);
  }
}

const upstream = new URL(process.env.REFERENCE_UPSTREAM_URL ?? 'http://127.0.0.1:4010/v2');
const basePath = upstream.pathname.replace(/\/+$/, '');
const defaultKey = process.env.REFERENCE_API_KEY ?? 'sk_test_sandbox';
// The gateway's defaults: 64 keep-alive sockets, no pipelining, 2 s connect and 10 s response timeouts.
const pool = new Pool(upstream.origin, {
  connections: Number(process.env.REFERENCE_CONNECTIONS ?? 64),
  pipelining: 1,
  connectTimeout: 2_000,
  headersTimeout: 10_000,
  bodyTimeout: 10_000,
  keepAliveTimeout: 30_000,
});

async function get<T>(path: string, apiKey: string): Promise<T> {
  const res = await pool.request({
    method: 'GET',
    path: basePath + path,
    headers: { accept: 'application/json', 'x-api-key': apiKey, 'user-agent': 'huechat-gateway' },
  });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new RestStatus(res.statusCode, path);
  }
  return (await res.body.json()) as T;
}

const fullName = (c: RestContact) => c.full_name ?? [c.first_name, c.last_name].filter(Boolean).join(' ');

/** The same name the gateway gives a conversation's contact: embedded full, embedded summary, or the root. */
function conversationContactName(conversation: RestConversation, root: RestContact): string {
  const embedded = conversation.contact;
  if (embedded && 'first_name' in embedded) return fullName(embedded);
  if (embedded?.full_name) return embedded.full_name;
  return fullName(root);
}

async function inbox(id: string, apiKey: string) {
  const segment = encodeURIComponent(id).replaceAll('%40', '@');
  // Depth 1: the contact and its conversations together; depth 2: every message page at once.
  const contactPromise = get<RestContact>(`/contact/${segment}`, apiKey);
  const conversationsPromise = get<RestPage<RestConversation>>(
    `/contact/${segment}/conversations?limit=10&offset=0`,
    apiKey,
  );
  const messagesPromise = conversationsPromise.then((page) =>
    Promise.all(
      page.data.map((c) =>
        get<RestPage<RestMessage>>(
          `/conversation/${encodeURIComponent(c.id)}/messages?limit=20&offset=0`,
          apiKey,
        ),
      ),
    ),
  );
  // Settle all three before deciding, so no rejection is left unhandled.
  const [contact, conversations, messages] = await Promise.allSettled([
    contactPromise,
    conversationsPromise,
    messagesPromise,
  ]);
  if (contact.status === 'rejected') {
    if (contact.reason instanceof RestStatus && contact.reason.status === 404) return null;
    throw contact.reason;
  }
  if (conversations.status === 'rejected') throw conversations.reason;
  if (messages.status === 'rejected') throw messages.reason;
  const root = contact.value;
  return {
    id: root.id,
    fullName: fullName(root),
    conversations: {
      totalCount: conversations.value.pagination.total,
      nodes: conversations.value.data.map((c, i) => ({
        id: c.id,
        subject: c.subject ?? null,
        lastMessageAt: c.last_message_at ?? null,
        contact: { fullName: conversationContactName(c, root) },
        messages: {
          totalCount: messages.value[i].pagination.total,
          nodes: messages.value[i].data.map((m) => ({
            id: m.id,
            content: m.content ?? null,
            status: m.status.toUpperCase(),
            sentAt: m.sent_at,
          })),
        },
      })),
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  if (req.url === '/healthz') return send(res, 200, { message: 'alive' });
  if (req.method !== 'POST') return send(res, 405, { errors: [{ message: 'POST a W1 request' }] });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let id: unknown;
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { id?: unknown } };
    id = body.variables?.id;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || id === '')
    return send(res, 400, { errors: [{ message: 'variables.id is required' }] });
  const header = req.headers['x-api-key'];
  const apiKey = (Array.isArray(header) ? header[0] : header) || defaultKey;
  try {
    send(res, 200, { data: { contact: await inbox(id, apiKey) } });
  } catch (err) {
    send(res, 502, { errors: [{ message: err instanceof Error ? err.message : 'upstream failed' }] });
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => {
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'reference server failed' }] });
    else res.destroy();
  });
});
server.keepAliveTimeout = 30_000;
const port = Number(process.env.REFERENCE_PORT ?? 0);
const host = process.env.REFERENCE_HOST ?? '127.0.0.1';
server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`reference listening on http://${host}:${bound}\n`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
