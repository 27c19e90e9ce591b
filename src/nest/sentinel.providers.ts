import { Logger as NestLogger, type FactoryProvider, type Provider } from '@nestjs/common';
import { formatAddress, parseAddressList } from '../address.js';
import type { Redis } from '../client/redis.js';
import { SentinelConnectionError } from '../errors.js';
import type { SentinelOptions } from '../sentinel/options.js';
import { RedisSentinel } from '../sentinel/redis-sentinel.js';
import { SentinelPool, createSentinelPool } from '../sentinel/sentinel-pool.js';
import type { Logger } from '../types.js';
import {
  DEFAULT_CONNECTION_NAME,
  DEFAULT_SHUTDOWN_TIMEOUT,
  SENTINEL_CONNECTION,
  SENTINEL_MODULE_PREFIX,
} from './sentinel.constants.js';
import type { RedisRole, SentinelModuleOptions, SentinelServiceConfig } from './sentinel.interfaces.js';
import {
  checkRole,
  getRedisToken,
  getSentinelOptionsToken,
  getSentinelPoolToken,
  getSentinelToken,
} from './sentinel.tokens.js';

export interface NormalizedService {
  name: string;
  roles: RedisRole[];
}

/** What the core module closes at shutdown, one per connection. */
export interface SentinelConnection {
  name: string;
  pool: SentinelPool;
  sentinel: RedisSentinel;
  clients: { token: string; client: Redis }[];
  shutdownTimeout: number;
  logger: Logger | undefined;
}

/** Longest pause between two background connection attempts with `lazyConnect`. */
const MAX_RETRY_DELAY = 10_000;

/** Keys of the module options that are not SentinelOptions (forRoot passes everything in one object). */
const MODULE_KEYS = ['sentinels', 'lazyConnect', 'shutdownTimeout', 'logger', 'services', 'connectionName', 'isGlobal'];

/** `SentinelModule` or `SentinelModule[cache]`: the logger context and the prefix of error messages. */
function contextOf(connectionName: string): string {
  return connectionName === DEFAULT_CONNECTION_NAME
    ? SENTINEL_MODULE_PREFIX
    : `${SENTINEL_MODULE_PREFIX}[${connectionName}]`;
}

/** Validates `services` and gives every entry its roles (`['master']` for a bare name). */
export function normalizeServices(services: readonly SentinelServiceConfig[] | undefined): NormalizedService[] {
  if (services === undefined) return [];
  if (!Array.isArray(services))
    throw new TypeError(`services must be an array of names or { name, roles }, got ${JSON.stringify(services)}`);
  const seen = new Set<string>();
  return services.map((entry: unknown) => {
    const { name, roles } =
      typeof entry === 'string'
        ? { name: entry, roles: undefined }
        : ((entry ?? {}) as { name?: unknown; roles?: unknown });
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`services entries must be a non-empty name or { name, roles }, got ${JSON.stringify(entry)}`);
    }
    if (seen.has(name))
      throw new TypeError(`services lists ${JSON.stringify(name)} twice; give it once with every role it needs`);
    seen.add(name);
    if (roles !== undefined && (!Array.isArray(roles) || roles.length === 0)) {
      throw new TypeError(`roles of service ${JSON.stringify(name)} must be a non-empty array of 'master' | 'slave'`);
    }
    return { name, roles: [...new Set((roles ?? ['master']).map(checkRole))] };
  });
}

function checkOptions(options: SentinelModuleOptions, context: string): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${context}: the options must be an object with \`sentinels\`, got ${String(options)}`);
  }
  const timeout = options.shutdownTimeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
    throw new TypeError(`${context}: shutdownTimeout must be a non-negative number of ms, got ${String(timeout)}`);
  }
}

function loggerOf(options: SentinelModuleOptions, context: string): Logger | undefined {
  if (options.logger === false) return undefined;
  return options.logger ?? new NestLogger(context);
}

function poolOptionsOf(options: SentinelModuleOptions, context: string): SentinelOptions {
  const rest: Record<string, unknown> = { ...options };
  for (const key of MODULE_KEYS) delete rest[key];
  return { ...(rest as SentinelOptions), logger: loggerOf(options, context) };
}

function describeSentinels(sentinels: readonly unknown[]): string {
  try {
    return parseAddressList(sentinels).map(formatAddress).join(', ');
  } catch {
    return JSON.stringify(sentinels);
  }
}

/** With lazyConnect: connect to the sentinels and subscribe to their events in the background, retrying until it works. */
function connectInBackground(pool: SentinelPool, logger: Logger | undefined): void {
  let delay = 250;
  const attempt = (): void => {
    if (pool.closed) return;
    pool.discover().then(
      () => logger?.log?.('Connected to the sentinels'),
      (err: Error) => {
        if (pool.closed) return;
        logger?.warn?.(`No sentinel answered yet (${err.message}); retrying in ${delay} ms`);
        // Unref'd and checked against pool.closed: never keeps the process alive nor outlives shutdown.
        setTimeout(attempt, delay).unref();
        delay = Math.min(delay * 2, MAX_RETRY_DELAY);
      },
    );
  };
  attempt();
}

/**
 * Builds the SentinelPool: connects to the sentinels (at least one must answer) or, with lazyConnect,
 * returns at once and connects in the background.
 */
async function openSentinelPool(options: SentinelModuleOptions, connectionName: string): Promise<SentinelPool> {
  const context = contextOf(connectionName);
  checkOptions(options, context);
  const poolOptions = poolOptionsOf(options, context);
  if (options.lazyConnect === true) {
    const pool = new SentinelPool(options.sentinels, poolOptions);
    connectInBackground(pool, poolOptions.logger);
    return pool;
  }
  try {
    return await createSentinelPool(options.sentinels, poolOptions);
  } catch (err) {
    if (!(err instanceof SentinelConnectionError)) throw err;
    throw new SentinelConnectionError(
      `${context} could not start: no sentinel answered at ${describeSentinels(options.sentinels)} (${err.message}). ` +
        'Check the `sentinels` option and that the sentinels are running, or set `lazyConnect: true` to start without them.',
      { cause: err },
    );
  }
}

/** The pool, the RedisSentinel, one client per service and role, and the internal connection record. */
export function createConnectionProviders(
  connectionName: string,
  services: readonly NormalizedService[],
): FactoryProvider[] {
  const optionsToken = getSentinelOptionsToken(connectionName);
  const poolToken = getSentinelPoolToken(connectionName);
  const sentinelToken = getSentinelToken(connectionName);
  const clientTokens: string[] = [];
  const clientProviders: FactoryProvider[] = [];
  for (const service of services) {
    for (const role of service.roles) {
      const token = getRedisToken(service.name, role, connectionName);
      clientTokens.push(token);
      clientProviders.push({
        provide: token,
        useFactory: (sentinel: RedisSentinel): Redis =>
          role === 'master' ? sentinel.masterFor(service.name) : sentinel.slaveFor(service.name),
        inject: [sentinelToken],
      });
    }
  }
  return [
    {
      provide: poolToken,
      useFactory: (options: SentinelModuleOptions) => openSentinelPool(options, connectionName),
      inject: [optionsToken],
    },
    {
      provide: sentinelToken,
      useFactory: (pool: SentinelPool) => new RedisSentinel(pool),
      inject: [poolToken],
    },
    ...clientProviders,
    {
      provide: SENTINEL_CONNECTION,
      useFactory: (
        options: SentinelModuleOptions,
        pool: SentinelPool,
        sentinel: RedisSentinel,
        ...clients: Redis[]
      ): SentinelConnection => ({
        name: connectionName,
        pool,
        sentinel,
        clients: clients.map((client, i) => ({ token: clientTokens[i]!, client })),
        shutdownTimeout: options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT,
        logger: loggerOf(options, contextOf(connectionName)),
      }),
      inject: [optionsToken, poolToken, sentinelToken, ...clientTokens],
    },
  ];
}

/** For the default connection, the classes themselves are tokens too: `constructor(sentinel: RedisSentinel)` works. */
export function createClassAliases(connectionName: string): Provider[] {
  if (connectionName !== DEFAULT_CONNECTION_NAME) return [];
  return [
    { provide: RedisSentinel, useExisting: getSentinelToken(connectionName) },
    { provide: SentinelPool, useExisting: getSentinelPoolToken(connectionName) },
  ];
}
