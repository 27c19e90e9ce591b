// The README's OpenTelemetry example (sample-app/src/tracing.ts) against a tiny recording
// TracerProvider: one CLIENT span per command with the database attributes, the caller's span as its
// parent, errors recorded; and the README shows the example's code as it is.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  type Exception,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { traceRedisCommands } from '../../sample-app/src/tracing.js';
import { createRedis, type Redis } from '../../src/client/redis.js';
import { RedisServer } from '../../src/testing/index.js';
import { rejection, uniq } from '../helpers/util.js';

/** What the recording tracer keeps of each span. */
class RecordedSpan implements Span {
  readonly attributes: Attributes;
  readonly exceptions: Exception[] = [];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  ended = false;
  private readonly id: SpanContext;

  constructor(
    readonly name: string,
    readonly kind: SpanKind | undefined,
    attributes: Attributes | undefined,
    readonly parent: RecordedSpan | undefined,
    n: number,
  ) {
    this.attributes = { ...attributes };
    this.id = { traceId: '1'.repeat(32), spanId: n.toString(16).padStart(16, '0'), traceFlags: 1 };
  }
  spanContext(): SpanContext {
    return this.id;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.ended = true;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: Exception): void {
    this.exceptions.push(exception);
  }
}

class RecordingTracer implements Tracer {
  readonly spans: RecordedSpan[] = [];
  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = trace.getSpan(ctx);
    const span = new RecordedSpan(
      name,
      options.kind,
      options.attributes,
      parent instanceof RecordedSpan ? parent : undefined,
      this.spans.length + 1,
    );
    this.spans.push(span);
    return span;
  }
  startActiveSpan(): never {
    throw new Error('not used by the example');
  }
}

/** The active context through AsyncLocalStorage, as @opentelemetry/context-async-hooks does it. */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

describe('the OpenTelemetry example', () => {
  const tracer = new RecordingTracer();
  const provider: TracerProvider = { getTracer: () => tracer };
  let server: RedisServer;
  let redis: Redis;
  let stop: () => void;

  before(async () => {
    assert.equal(trace.setGlobalTracerProvider(provider), true);
    assert.equal(context.setGlobalContextManager(new StorageContextManager()), true);
    server = await RedisServer.start();
    stop = traceRedisCommands();
    redis = await createRedis(server.address);
  });
  after(async () => {
    stop?.();
    redis?.close();
    await redis?.waitClosed();
    await server?.stop();
    trace.disable();
    context.disable();
  });

  test('each command is a CLIENT span, child of the caller’s span, with the attributes; errors are recorded', async () => {
    const key = uniq('otel');
    const request = tracer.startSpan('GET /items');
    await context.with(trace.setSpan(context.active(), request), async () => {
      await redis.set(key, 'a string');
      assert.equal(await redis.get(key), 'a string');
      await rejection(redis.lpush(key, 'x'));
    });
    request.end();
    const spans = tracer.spans.filter((s) => s.parent === request);
    assert.deepEqual(
      spans.map((s) => [s.name, s.kind, s.ended]),
      [
        ['SET', SpanKind.CLIENT, true],
        ['GET', SpanKind.CLIENT, true],
        ['LPUSH', SpanKind.CLIENT, true],
      ],
    );
    assert.deepEqual(spans[1]!.attributes, {
      'db.system.name': 'redis',
      'db.operation.name': 'GET',
      'db.namespace': '0',
      'server.address': '127.0.0.1',
      'server.port': server.port,
    });
    assert.deepEqual(spans[1]!.status, { code: SpanStatusCode.UNSET });
    const failed = spans[2]!;
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.equal(failed.attributes['error.type'], 'WRONGTYPE');
    assert.equal(failed.attributes['db.response.status_code'], 'WRONGTYPE');
    assert.equal(failed.exceptions.length, 1);
    assert.match(String((failed.exceptions[0] as Error).message), /^WRONGTYPE/);
  });

  test('a command outside any span is a root span', async () => {
    const seen = tracer.spans.length;
    await redis.ping();
    const [ping] = tracer.spans.slice(seen);
    assert.equal(ping?.name, 'PING');
    assert.equal(ping.parent, undefined);
    assert.equal(ping.ended, true);
  });

  test('the README shows the example as it is (importing from the package)', () => {
    const source = fileURLToPath(new URL('../../../sample-app/src/tracing.ts', import.meta.url));
    const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));
    const example = readFileSync(source, 'utf8').replace("from '../../src/index.js'", "from 'nestjs-redis-sentinel'");
    assert.ok(example.includes("from 'nestjs-redis-sentinel'"));
    assert.ok(
      readFileSync(readme, 'utf8').includes('```ts\n' + example + '```'),
      'README.md has a ```ts block with sample-app/src/tracing.ts (importing from the package)',
    );
  });
});
