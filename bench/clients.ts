// One adapter per client library, all with the same small surface. Each adapter returns the
// library's own promise directly (no extra async layer), so the wrapping costs the same for all.
// Libraries are imported dynamically: a worker process loads only the one it measures, which keeps
// its peak RSS about that library.

import type { ClientSpec, Target } from './common.js';

export interface PipelineOp {
  kind: 'set' | 'get';
  key: string;
  value: string;
}

export interface BenchClient {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  /** Sends the ops as one pipeline; resolves when every reply is in. */
  pipeline(ops: readonly PipelineOp[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** Subscribes (on a connection suited to it) and resolves once the subscription is active. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  close(): Promise<void>;
  /** Clients with a client-side cache: its hit and miss counts so far. */
  cacheStats?(): { hits: number; misses: number };
}

export async function createBenchClient(spec: ClientSpec, target: Target): Promise<BenchClient> {
  switch (spec.kind) {
    case 'ours':
      return createOurs(spec, target);
    case 'ours-durable':
      return createOurs(spec, target, { durability: { replicas: 1, timeout: 1_000 } });
    case 'ours-traced':
      await subscribeTracing(await oursChannel(), 'all');
      return createOurs(spec, target);
    case 'ours-traced-span':
      await subscribeTracing(await oursChannel(), 'span');
      return createOurs(spec, target);
    case 'ioredis-traced':
      await subscribeTracing('ioredis:command', 'all');
      return createIoredis(spec, target);
    case 'node-redis-traced':
      await subscribeTracing('node-redis:command', 'all');
      return createNodeRedis(spec, target);
    case 'ioredis':
    case 'ioredis-auto':
      return createIoredis(spec, target);
    case 'node-redis':
      return createNodeRedis(spec, target);
    case 'ours-cache':
      return createOurs(spec, target, { clientCache: { maxEntries: 10_000 } });
    case 'node-redis-cache':
      return createNodeRedisCached(target);
  }
}

async function oursChannel(): Promise<string> {
  return (await import('../src/client.js')).COMMAND_TRACING_CHANNEL;
}

/**
 * A tracing subscriber doing trivial work, as a span exporter's hooks would be called: on all five
 * events, or span-shaped (start, asyncEnd and error: what it takes to open, close and fail a span, and
 * what the README's OpenTelemetry example listens to). The same for every library's channel.
 */
async function subscribeTracing(name: string, events: 'all' | 'span'): Promise<void> {
  const { tracingChannel } = await import('node:diagnostics_channel');
  const seen = { started: 0, ended: 0, failed: 0, last: undefined as unknown };
  const span = {
    start: (ctx: unknown) => {
      seen.started++;
      seen.last = ctx;
    },
    asyncEnd: () => {
      seen.ended++;
    },
    error: () => {
      seen.failed++;
    },
  };
  const channel = tracingChannel<unknown, object>(name);
  if (events === 'span') {
    // Each event is a channel of its own: one not subscribed costs its publisher nothing.
    channel.start.subscribe(span.start);
    channel.asyncEnd.subscribe(span.asyncEnd);
    channel.error.subscribe(span.error);
  } else {
    channel.subscribe({ ...span, end: () => undefined, asyncStart: () => undefined });
  }
}

async function createOurs(
  spec: ClientSpec,
  target: Target,
  options: import('../src/client.js').SentinelOptions = {},
): Promise<BenchClient> {
  const lib = await import('../src/client.js');
  let redis: import('../src/client.js').Redis;
  let closeAll: () => Promise<void>;
  let cacheStats: BenchClient['cacheStats'];
  if (spec.mode === 'sentinel') {
    const sentinel = await lib.createSentinel(target.sentinels, options);
    redis = sentinel.masterFor(target.service);
    closeAll = async () => {
      sentinel.close();
      await sentinel.waitClosed();
    };
    if (options.clientCache !== undefined) {
      cacheStats = () => sentinel.stats().find((p) => p.role === 'master')?.clientCache ?? { hits: 0, misses: 0 };
    }
  } else {
    redis = await lib.createRedisPool(target.master);
    closeAll = async () => {
      redis.close();
      await redis.waitClosed();
    };
  }
  return {
    set: (key, value) => redis.set(key, value),
    get: (key) => redis.get(key),
    pipeline(ops) {
      const p = redis.pipeline();
      for (const op of ops) {
        if (op.kind === 'set') p.set(op.key, op.value);
        else p.get(op.key);
      }
      return p.exec();
    },
    publish: (channel, message) => redis.publish(channel, message),
    async subscribe(channel, onMessage) {
      await redis.subscribe(channel, (message) => onMessage(message as string));
    },
    close: closeAll,
    cacheStats,
  };
}

async function createIoredis(spec: ClientSpec, target: Target): Promise<BenchClient> {
  const { Redis } = await import('ioredis');
  const options =
    spec.mode === 'sentinel'
      ? {
          sentinels: target.sentinels.map(([host, port]) => ({ host, port })),
          name: target.service,
          enableAutoPipelining: spec.kind === 'ioredis-auto',
        }
      : { host: target.master[0], port: target.master[1], enableAutoPipelining: spec.kind === 'ioredis-auto' };
  const open = async () => {
    const client = new Redis(options);
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('end', () => reject(new Error('ioredis: connection ended before ready')));
    });
    return client;
  };
  const redis = await open();
  let subscriber: Awaited<ReturnType<typeof open>> | null = null;
  return {
    set: (key, value) => redis.set(key, value),
    get: (key) => redis.get(key),
    pipeline(ops) {
      const p = redis.pipeline();
      for (const op of ops) {
        if (op.kind === 'set') p.set(op.key, op.value);
        else p.get(op.key);
      }
      return p.exec();
    },
    publish: (channel, message) => redis.publish(channel, message),
    async subscribe(channel, onMessage) {
      // A subscribed ioredis connection takes no other command: the usual second client.
      subscriber ??= await open();
      subscriber.on('message', (_channel: string, message: string) => onMessage(message));
      await subscriber.subscribe(channel);
    },
    async close() {
      await Promise.allSettled([redis.quit(), subscriber?.quit()]);
      redis.disconnect();
      subscriber?.disconnect();
    },
  };
}

/** The part of node-redis's client and sentinel types the benchmark uses (their generics are heavy). */
interface NodeRedisMulti {
  set(key: string, value: string): NodeRedisMulti;
  get(key: string): NodeRedisMulti;
  execAsPipeline(): Promise<unknown>;
}
interface NodeRedisLike {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  multi(): NodeRedisMulti;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  close(): Promise<void>;
}

async function createNodeRedis(spec: ClientSpec, target: Target): Promise<BenchClient> {
  const { createClient, createSentinel } = await import('redis');
  let client: NodeRedisLike;
  let subscriberFactory: () => Promise<NodeRedisLike>;
  const extra: NodeRedisLike[] = [];
  if (spec.mode === 'sentinel') {
    const sentinel = createSentinel({
      name: target.service,
      sentinelRootNodes: target.sentinels.map(([host, port]) => ({ host, port })),
    });
    sentinel.on('error', () => undefined);
    await sentinel.connect();
    client = sentinel as unknown as NodeRedisLike;
    // The sentinel object keeps a pub/sub client of its own.
    subscriberFactory = () => Promise.resolve(client);
  } else {
    const plain = createClient({ socket: { host: target.master[0], port: target.master[1] } });
    plain.on('error', () => undefined);
    await plain.connect();
    client = plain as unknown as NodeRedisLike;
    subscriberFactory = async () => {
      const sub = plain.duplicate();
      sub.on('error', () => undefined);
      await sub.connect();
      const s = sub as unknown as NodeRedisLike;
      extra.push(s);
      return s;
    };
  }
  return {
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    pipeline(ops) {
      const m = client.multi();
      for (const op of ops) {
        if (op.kind === 'set') m.set(op.key, op.value);
        else m.get(op.key);
      }
      return m.execAsPipeline();
    },
    publish: (channel, message) => client.publish(channel, message),
    async subscribe(channel, onMessage) {
      const sub = await subscriberFactory();
      await sub.subscribe(channel, onMessage);
    },
    async close() {
      await Promise.allSettled([client.close(), ...extra.map((c) => c.close())]);
    },
  };
}

/**
 * node-redis through Sentinel with its client-side cache: RESP3 (required by it) and one pooled cache
 * shared by the sentinel's clients, 10 000 entries, LRU, as ours.
 */
async function createNodeRedisCached(target: Target): Promise<BenchClient> {
  const { createSentinel, BasicPooledClientSideCache } = await import('redis');
  const cache = new BasicPooledClientSideCache({ maxEntries: 10_000, evictPolicy: 'LRU' });
  const sentinel = createSentinel({
    name: target.service,
    sentinelRootNodes: target.sentinels.map(([host, port]) => ({ host, port })),
    RESP: 3,
    clientSideCache: cache,
  });
  sentinel.on('error', () => undefined);
  await sentinel.connect();
  const client = sentinel as unknown as NodeRedisLike;
  return {
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    pipeline(ops) {
      const m = client.multi();
      for (const op of ops) {
        if (op.kind === 'set') m.set(op.key, op.value);
        else m.get(op.key);
      }
      return m.execAsPipeline();
    },
    publish: (channel, message) => client.publish(channel, message),
    async subscribe(channel, onMessage) {
      await client.subscribe(channel, onMessage);
    },
    close: () => client.close(),
    cacheStats() {
      const s = cache.stats();
      return { hits: s.hitCount, misses: s.missCount };
    },
  };
}
