import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../logger.js';
import type { UpstreamObserver } from '../upstream/call.js';

/** Where and how spans are exported (OTLP over HTTP). */
export interface TracingConfig {
  /** Full URL of the OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** service.name of every span (OTEL_SERVICE_NAME, default huechat-gateway). */
  serviceName: string;
}

/** Host and port of the upstream origin, as REST spans report them. */
export interface UpstreamServer {
  address: string;
  port: number;
}

/** The trace of one GraphQL request: its server span and the REST spans under it. */
export interface OperationTrace extends UpstreamObserver {
  admitted(waitMs: number): void;
  /** The operation is known (after parsing); `spanName` is low-cardinality. */
  operation(type: string, name: string | undefined, spanName: string): void;
  end(statusCode: number, outcome: string): void;
}

export interface OperationTracer {
  start(headers: IncomingHttpHeaders, method: string, path: string, upstream: UpstreamServer): OperationTrace;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Loads the OpenTelemetry SDK and starts exporting. Only called when tracing is configured: the SDK
 * is never imported otherwise, so a gateway without tracing runs none of its code.
 */
export async function startTracing(config: TracingConfig, logger: Logger): Promise<OperationTracer> {
  const { createOtelTracer } = await import('./otel.js');
  return createOtelTracer(config, logger);
}
