import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, with attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  resource: Record<string, string | number | boolean>;
}

/** A raw export request as it arrived. */
export interface ReceivedExport {
  path: string;
  contentType: string | undefined;
  body: Buffer;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}

function flatten(attributes: OtlpKeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
  }
  return out;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpKeyValue[];
  events?: { name: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

function spansOf(json: OtlpExport): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of json.resourceSpans ?? []) {
    const resource = flatten(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          name: s.name,
          kind: s.kind,
          attributes: flatten(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: flatten(e.attributes) })),
          statusCode: s.status?.code ?? 0,
          resource,
        });
      }
    }
  }
  return spans;
}

export interface OtlpReceiver {
  /** http://127.0.0.1:PORT/v1/traces */
  tracesUrl: string;
  /** Every span received in OTLP/HTTP JSON so far. */
  spans(): ReceivedSpan[];
  /** Every export request, whatever its encoding. */
  exports(): ReceivedExport[];
  clear(): void;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** An OTLP/HTTP traces receiver on a free port: keeps what it is sent, answers success. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let spans: ReceivedSpan[] = [];
  let exports: ReceivedExport[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const contentType = req.headers['content-type'];
    exports.push({ path: req.url ?? '', contentType, body });
    if (req.method !== 'POST' || req.url !== '/v1/traces') return res.writeHead(404).end();
    if (contentType?.startsWith('application/json')) {
      spans.push(...spansOf(JSON.parse(body.toString('utf8')) as OtlpExport));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      // An empty ExportTraceServiceResponse is zero bytes of protobuf.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    tracesUrl: `http://127.0.0.1:${port}/v1/traces`,
    spans: () => spans,
    exports: () => exports,
    clear() {
      spans = [];
      exports = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What a recording proxy saw of one request on its way to the upstream. */
export interface ProxiedRequest {
  method: string;
  path: string;
  traceparent: string | undefined;
}

export interface RecordingProxy {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Where requests go; set before the first one. */
  target: string | undefined;
  requests(): ProxiedRequest[];
  clear(): void;
  close(): Promise<void>;
}

/** A pass-through HTTP proxy that records each request's method, path and `traceparent` header. */
export async function startRecordingProxy(): Promise<RecordingProxy> {
  let seen: ProxiedRequest[] = [];
  const proxy: RecordingProxy = {
    origin: '',
    target: undefined,
    requests: () => seen,
    clear() {
      seen = [];
    },
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const traceparent = req.headers.traceparent;
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      traceparent: Array.isArray(traceparent) ? traceparent[0] : traceparent,
    });
    if (!proxy.target) return res.writeHead(502).end();
    const target = new URL(req.url ?? '/', proxy.target);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
