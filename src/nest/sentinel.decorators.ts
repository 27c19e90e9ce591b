import { Inject } from '@nestjs/common';
import type { RedisRole } from './sentinel.interfaces.js';
import { getRedisToken, getSentinelPoolToken, getSentinelToken } from './sentinel.tokens.js';

type InjectDecorator = ReturnType<typeof Inject>;

/** Injects the `Redis` client of a service registered in `services` (master by default). */
export function InjectRedis(name: string, role: RedisRole = 'master', connectionName?: string): InjectDecorator {
  return Inject(getRedisToken(name, role, connectionName));
}

/** Injects the `RedisSentinel` of a connection. */
export function InjectSentinel(connectionName?: string): InjectDecorator {
  return Inject(getSentinelToken(connectionName));
}

/** Injects the `SentinelPool` of a connection. */
export function InjectSentinelPool(connectionName?: string): InjectDecorator {
  return Inject(getSentinelPoolToken(connectionName));
}
