import { DEFAULT_CONNECTION_NAME, SENTINEL_MODULE_PREFIX } from './sentinel.constants.js';
import type { RedisRole } from './sentinel.interfaces.js';

const ROLES: readonly RedisRole[] = ['master', 'slave'];

function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${what} must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/** Throws a TypeError unless `role` is `'master'` or `'slave'`. */
export function checkRole(role: unknown): RedisRole {
  if (!ROLES.includes(role as RedisRole)) {
    throw new TypeError(`role must be 'master' or 'slave', got ${JSON.stringify(role) ?? String(role)}`);
  }
  return role as RedisRole;
}

/** `connectionName` with the default filled in. */
export function connectionNameOf(connectionName?: string): string {
  return connectionName === undefined ? DEFAULT_CONNECTION_NAME : checkName('connectionName', connectionName);
}

function prefix(connectionName?: string): string {
  const name = connectionNameOf(connectionName);
  return name === DEFAULT_CONNECTION_NAME ? SENTINEL_MODULE_PREFIX : `${SENTINEL_MODULE_PREFIX}[${name}]`;
}

/** Token of a service's client: `'SentinelModule:mymaster:master'` (`'SentinelModule[cache]:mymaster:slave'` for a named connection). */
export function getRedisToken(name: string, role: RedisRole = 'master', connectionName?: string): string {
  return `${prefix(connectionName)}:${checkName('service name', name)}:${checkRole(role)}`;
}

/** Token of the RedisSentinel: `'SentinelModule:RedisSentinel'`. */
export function getSentinelToken(connectionName?: string): string {
  return `${prefix(connectionName)}:RedisSentinel`;
}

/** Token of the SentinelPool: `'SentinelModule:SentinelPool'`. */
export function getSentinelPoolToken(connectionName?: string): string {
  return `${prefix(connectionName)}:SentinelPool`;
}

/** Token of the resolved module options: `'SentinelModule:options'`. */
export function getSentinelOptionsToken(connectionName?: string): string {
  return `${prefix(connectionName)}:options`;
}
