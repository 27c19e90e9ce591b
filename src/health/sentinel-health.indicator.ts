import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Redis } from '../client/redis.js';
import { toText } from '../text.js';
import { withTimeout } from '../timeout.js';
import type { RedisRole } from '../nest/sentinel.interfaces.js';
import { connectionNameOf, getRedisToken, getSentinelToken } from '../nest/sentinel.tokens.js';
import type { RedisSentinel } from '../sentinel/redis-sentinel.js';
import { isDown } from '../sentinel/state.js';
import type { Address } from '../types.js';

export interface SentinelPingCheckOptions {
  /** The service whose client is pinged. */
  service: string;
  /** Which client: `'master'` (default) or `'slave'`. */
  role?: RedisRole;
  /** ms before the check reports down. Default 1 000. */
  timeout?: number;
  /** The SentinelModule connection the client belongs to. Default `'default'`. */
  connectionName?: string;
}

export interface SentinelCheckOptions {
  /** The service the sentinels are asked about. */
  service: string;
  /** ms before the check reports down. Default 1 000. */
  timeout?: number;
  /** The SentinelModule connection. Default `'default'`. */
  connectionName?: string;
  /** Fewer healthy replicas than this reports down. Default 0. */
  minReplicas?: number;
}

const DEFAULT_TIMEOUT = 1_000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function formatAddress(address: Address | null | undefined): string | null {
  return address ? `${address[0]}:${address[1]}` : null;
}

function checkTimeout(timeout: unknown): number {
  if (timeout === undefined) return DEFAULT_TIMEOUT;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new TypeError(`timeout must be a positive number of ms, got ${String(timeout)}`);
  }
  return timeout;
}

/**
 * Terminus health checks for a Sentinel deployment, reusing the clients the app registered with
 * SentinelModule. Never throws: a failure, a missing client or a timeout reports `down` with a `message`.
 */
@Injectable()
export class SentinelHealthIndicator {
  constructor(
    private readonly healthIndicatorService: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** PING through the app's client of the service's master (or replica), within `timeout`. */
  async pingCheck<const Key extends string>(
    key: Key,
    options: SentinelPingCheckOptions,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.healthIndicatorService.check(key);
    const details: Record<string, unknown> = {};
    try {
      const role = options.role ?? 'master';
      details.service = options.service;
      details.role = role;
      const timeout = checkTimeout(options.timeout);
      const client = this.clientFor(options.service, role, options.connectionName);
      // Holding writes for a failover is working as designed: up, and a PING would only wait for the switch.
      if ((client.connection as { holding?: boolean }).holding === true) {
        return indicator.up({ ...details, address: formatAddress(client.address), holding: true });
      }
      const reply = await withTimeout(client.execute('PING'), timeout, `PING to the ${role} of ${options.service}`);
      details.address = formatAddress(client.address);
      if (toText(reply) !== 'PONG') {
        return indicator.down({ ...details, message: `unexpected PING reply ${JSON.stringify(reply)}` });
      }
      return indicator.up(details);
    } catch (err) {
      return indicator.down({ ...details, message: messageOf(err) });
    }
  }

  /**
   * Asks the sentinels about the service within `timeout`: quorum (CKQUORUM), the master's state and
   * address versus the address the app's master client uses, and the number of healthy replicas.
   */
  async check<const Key extends string>(key: Key, options: SentinelCheckOptions): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.healthIndicatorService.check(key);
    const details: Record<string, unknown> = {};
    try {
      details.service = options.service;
      const timeout = checkTimeout(options.timeout);
      const sentinel = this.sentinelFor(options.connectionName);
      const problems = await withTimeout(
        this.inspect(sentinel, options, details),
        timeout,
        `asking the sentinels about ${options.service}`,
      );
      if (problems.length > 0) return indicator.down({ ...details, message: problems.join('; ') });
      return indicator.up(details);
    } catch (err) {
      return indicator.down({ ...details, message: messageOf(err) });
    }
  }

  /** Asks the sentinels everything at once; fills `details` and resolves the problems found (none when healthy). */
  private async inspect(
    sentinel: RedisSentinel,
    options: SentinelCheckOptions,
    details: Record<string, unknown>,
  ): Promise<string[]> {
    const { service } = options;
    const problems: string[] = [];
    const [quorum, master, reported, replicas] = await Promise.allSettled([
      sentinel.checkQuorum(service),
      sentinel.master(service),
      sentinel.masterAddress(service),
      sentinel.slaves(service),
    ]);
    const unknown = `the sentinels do not monitor a service named ${service}`;
    if (master.status === 'rejected' && /No such master/i.test(messageOf(master.reason))) return [unknown];

    if (quorum.status === 'fulfilled') details.quorum = quorum.value;
    else problems.push(`no quorum: ${messageOf(quorum.reason)}`);

    if (master.status === 'fulfilled') {
      details.masterFlags = master.value.flags;
      if (isDown(master.value)) {
        const flags = master.value.flags.filter((f) => f !== 'master').join(',');
        problems.push(`the sentinels flag the master ${master.value.ip}:${master.value.port} as ${flags}`);
      }
    } else {
      problems.push(`master state unknown: ${messageOf(master.reason)}`);
    }

    if (reported.status === 'fulfilled' && reported.value === null) {
      details.masterAddress = null;
      problems.push(unknown);
    } else if (reported.status === 'fulfilled') {
      const masterAddress = formatAddress(reported.value);
      const clientAddress = formatAddress(this.masterClientAddress(sentinel, service, options.connectionName));
      details.masterAddress = masterAddress;
      details.clientAddress = clientAddress;
      if (clientAddress !== null && clientAddress !== masterAddress) {
        problems.push(
          `the client uses ${clientAddress} but the sentinels report ${String(masterAddress)} as master (a failover is under way or the client has not followed it yet)`,
        );
      }
    } else {
      problems.push(`master address unknown: ${messageOf(reported.reason)}`);
    }

    if (replicas.status === 'fulfilled') {
      const healthy = replicas.value.filter((r) => !isDown(r) && r['master-link-status'] === 'ok').length;
      details.replicas = healthy;
      details.knownReplicas = replicas.value.length;
      const min = options.minReplicas ?? 0;
      if (healthy < min) problems.push(`${healthy} healthy replicas, fewer than minReplicas (${min})`);
    } else {
      problems.push(`replicas unknown: ${messageOf(replicas.reason)}`);
    }
    return problems;
  }

  /** The address the app's master client uses (null before its first connection). */
  private masterClientAddress(sentinel: RedisSentinel, service: string, connectionName?: string): Address | null {
    const client = this.lookup<Redis>(getRedisToken(service, 'master', connectionName));
    return (client ?? sentinel.masterFor(service)).address;
  }

  private clientFor(service: string, role: RedisRole, connectionName?: string): Redis {
    const client = this.lookup<Redis>(getRedisToken(service, role, connectionName));
    if (client !== undefined) return client;
    // Not registered in `services`: the same managed pool through the connection's RedisSentinel.
    const sentinel = this.lookup<RedisSentinel>(getSentinelToken(connectionName));
    if (sentinel !== undefined) return role === 'master' ? sentinel.masterFor(service) : sentinel.slaveFor(service);
    throw new Error(
      `No Redis client for the ${role} of ${service} (connection "${connectionNameOf(connectionName)}"): import SentinelModule.forRoot({ sentinels, services: ['${service}'] })`,
    );
  }

  private sentinelFor(connectionName?: string): RedisSentinel {
    const sentinel = this.lookup<RedisSentinel>(getSentinelToken(connectionName));
    if (sentinel === undefined) {
      throw new Error(
        `No RedisSentinel for connection "${connectionNameOf(connectionName)}": import SentinelModule.forRoot(...)`,
      );
    }
    return sentinel;
  }

  private lookup<T>(token: string): T | undefined {
    try {
      return this.moduleRef.get<T>(token, { strict: false });
    } catch {
      return undefined;
    }
  }
}
