import { tracingChannel } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { COMMAND_TRACING_CHANNEL, type CommandTraceContext } from '../../src/index.js';

/** Turns every Redis command into an OpenTelemetry client span; returns a function that stops it. */
export function traceRedisCommands(tracer: Tracer = trace.getTracer('nestjs-redis-sentinel')): () => void {
  const spans = new WeakMap<CommandTraceContext, Span>();
  const start = (message: unknown): void => {
    const ctx = message as CommandTraceContext;
    // Published in the caller's context: the active span (an HTTP request, say) becomes the parent.
    const { error, ...attributes } = ctx; // error: only set later, by a failure
    spans.set(ctx, tracer.startSpan(ctx['db.operation.name'], { kind: SpanKind.CLIENT, attributes }));
  };
  const error = (message: unknown): void => {
    const ctx = message as CommandTraceContext;
    const span = spans.get(ctx);
    if (span === undefined || ctx.error === undefined) return;
    span.recordException(ctx.error);
    span.setAttribute('error.type', ctx['error.type'] ?? ctx.error.name);
    const code = ctx['db.response.status_code'];
    if (code !== undefined) span.setAttribute('db.response.status_code', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: ctx['error.type'] });
  };
  const asyncEnd = (message: unknown): void => {
    const ctx = message as CommandTraceContext;
    spans.get(ctx)?.end();
    spans.delete(ctx);
  };
  // Only the three events a span needs: an event no one subscribes to costs nothing per command.
  const { start: started, error: failed, asyncEnd: ended } = tracingChannel(COMMAND_TRACING_CHANNEL);
  started.subscribe(start);
  failed.subscribe(error);
  ended.subscribe(asyncEnd);
  return () => {
    started.unsubscribe(start);
    failed.unsubscribe(error);
    ended.unsubscribe(asyncEnd);
  };
}
