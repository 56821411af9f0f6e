import type { IncomingHttpHeaders } from 'node:http';
import {
  type Attributes,
  type Context,
  DiagLogLevel,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../logger.js';
import type { HttpMethod, UpstreamCallTrace } from '../upstream/call.js';
import { ATTR, EVENT, TRACER_NAME } from './names.js';
import type { OperationTrace, OperationTracer, TracingConfig, UpstreamServer } from './tracing.js';

/** error.type of a REST call that failed: the status code when HueChat answered, else what happened. */
function errorType(call: UpstreamCallTrace): string | undefined {
  if (call.outcome === 'ok') return undefined;
  if ((call.outcome === 'http' || call.outcome === 'rate_limited') && call.status !== undefined)
    return String(call.status);
  return call.outcome;
}

function endRestSpan(span: Span, call: UpstreamCallTrace): void {
  if (call.status !== undefined) span.setAttribute(ATTR.httpResponseStatusCode, call.status);
  const error = errorType(call);
  if (error !== undefined) {
    span.setAttribute(ATTR.errorType, error);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * The SDK side of tracing: a tracer provider with a batch span processor and an OTLP/HTTP exporter
 * (protobuf or JSON), configured by the standard OTEL_* variables (sampler, batch sizes and delays,
 * exporter headers and timeout, resource attributes). Spans are parented explicitly from the request's
 * own context, so no context manager (and none of its per-promise cost) is needed.
 */
export function createOtelTracer(config: TracingConfig, logger: Logger): OperationTracer {
  // The SDK reports its own trouble (an export the collector refused, a full queue) here, not on the console.
  const report = (message: string) => logger.warn('opentelemetry', { message });
  diag.setLogger(
    { error: report, warn: report, info: () => undefined, debug: () => undefined, verbose: () => undefined },
    DiagLogLevel.WARN,
  );
  const exporter =
    config.protocol === 'http/json'
      ? new JsonExporter({ url: config.url })
      : new ProtobufExporter({ url: config.url });
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }));
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer(TRACER_NAME);
  const propagator = new W3CTraceContextPropagator();

  return {
    start(
      headers: IncomingHttpHeaders,
      method: string,
      path: string,
      upstream: UpstreamServer,
    ): OperationTrace {
      const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const span = tracer.startSpan(
        `${method} ${path}`,
        {
          kind: SpanKind.SERVER,
          attributes: { [ATTR.httpRequestMethod]: method, [ATTR.httpRoute]: path, [ATTR.urlScheme]: 'http' },
        },
        parent,
      );
      const context: Context = trace.setSpan(parent, span);
      const restAttributes = (m: HttpMethod, route: string): Attributes => ({
        [ATTR.httpRequestMethod]: m,
        [ATTR.urlTemplate]: route,
        [ATTR.serverAddress]: upstream.address,
        [ATTR.serverPort]: upstream.port,
        [ATTR.upstreamCoalesced]: false,
        [ATTR.upstreamCacheHit]: false,
      });
      return {
        admitted(waitMs) {
          span.setAttribute(ATTR.admissionWaitMs, waitMs);
        },
        operation(type, name, spanName) {
          span.updateName(spanName);
          span.setAttribute(ATTR.graphqlOperationType, type);
          if (name !== undefined) span.setAttribute(ATTR.graphqlOperationName, name);
        },
        attempt(m, route, attempt, outgoing) {
          const attributes = restAttributes(m, route);
          if (attempt > 0) attributes[ATTR.httpResendCount] = attempt;
          const rest = tracer.startSpan(`${m} ${route}`, { kind: SpanKind.CLIENT, attributes }, context);
          propagator.inject(trace.setSpan(context, rest), outgoing, defaultTextMapSetter);
          return (call) => endRestSpan(rest, call);
        },
        retry(m, route, attempt, waitMs) {
          span.addEvent(EVENT.retry, {
            [ATTR.httpRequestMethod]: m,
            [ATTR.urlTemplate]: route,
            [ATTR.httpResendCount]: attempt + 1,
            [ATTR.retryWaitMs]: waitMs,
          });
        },
        joined(call) {
          // No HTTP request of its own: an internal span covering the wait for the shared one.
          const attributes = restAttributes(call.method as HttpMethod, call.route);
          attributes[ATTR.upstreamCoalesced] = true;
          const rest = tracer.startSpan(
            `${call.method} ${call.route}`,
            { kind: SpanKind.INTERNAL, attributes, startTime: call.startedAt },
            context,
          );
          endRestSpan(rest, call);
        },
        end(statusCode, outcome) {
          span.setAttribute(ATTR.httpResponseStatusCode, statusCode);
          span.setAttribute(ATTR.outcome, outcome);
          if (outcome !== 'ok') {
            span.setAttribute(ATTR.errorType, outcome);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },
    async flush() {
      await provider.forceFlush();
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}
