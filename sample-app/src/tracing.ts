import { tracingChannel } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { COMMAND_TRACING_CHANNEL, type CommandTraceContext } from '../../src/index.js';

/** Turns every Redis command into an OpenTelemetry client span; returns a function that stops it. */
export function traceRedisCommands(tracer: Tracer = trace.getTracer('nestjs-redis-sentinel')): () => void {
  const spans = new WeakMap<CommandTraceContext, Span>();
  const handlers = {
    start(ctx: CommandTraceContext) {
      // Published in the caller's context: the active span (an HTTP request, say) becomes the parent.
      const { error, ...attributes } = ctx; // error: only set later, by a failure
      spans.set(ctx, tracer.startSpan(ctx['db.operation.name'], { kind: SpanKind.CLIENT, attributes }));
    },
    end() {},
    asyncStart() {},
    error(ctx: CommandTraceContext) {
      const span = spans.get(ctx);
      if (span === undefined || ctx.error === undefined) return;
      span.recordException(ctx.error);
      span.setAttribute('error.type', ctx['error.type'] ?? ctx.error.name);
      const code = ctx['db.response.status_code'];
      if (code !== undefined) span.setAttribute('db.response.status_code', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: ctx['error.type'] });
    },
    asyncEnd(ctx: CommandTraceContext) {
      spans.get(ctx)?.end();
      spans.delete(ctx);
    },
  };
  const channel = tracingChannel<unknown, CommandTraceContext>(COMMAND_TRACING_CHANNEL);
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
