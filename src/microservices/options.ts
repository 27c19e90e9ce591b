import type { Deserializer, Serializer } from '@nestjs/microservices';
import { SENTINEL_DEFAULTS, type SentinelOptions } from '../sentinel/options.js';
import type { AddressInput } from '../types.js';

/** Options of SentinelServer and SentinelClient: where the service is, plus any createSentinel option. */
export interface SentinelTransportOptions extends SentinelOptions {
  sentinels: readonly AddressInput[];
  /** The Sentinel service (master name) whose master carries the channels. */
  service: string;
  /** Server: PSUBSCRIBE to each handler's pattern (`users.*`), as Nest's Redis transporter does. */
  wildcards?: boolean;
  serializer?: Serializer;
  deserializer?: Deserializer;
  /** Client: ms a request waits for its reply before it rejects TimeoutError. Default 30 000. */
  requestTimeout?: number;
}

/** 'connected' once listening, 'reconnecting' from a failover's start to its end, 'disconnected' on close. */
export type SentinelTransportStatus = 'connected' | 'reconnecting' | 'disconnected';

export const TRANSPORT_DEFAULTS = { requestTimeout: 30_000 } as const;

/** How long after a failover a PUBLISH that reached nobody is sent again: the failoverTimeout. */
export function failoverGraceOf(options: SentinelTransportOptions): number {
  return options.failoverTimeout ?? SENTINEL_DEFAULTS.failoverTimeout;
}

const TRANSPORT_KEYS = new Set(['sentinels', 'service', 'wildcards', 'serializer', 'deserializer', 'requestTimeout']);

/** The createSentinel options among the transport's options. */
export function sentinelOptionsOf(options: SentinelTransportOptions): SentinelOptions {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !TRANSPORT_KEYS.has(key))) as SentinelOptions;
}

/** Refuses a missing service or a bad requestTimeout at construction, before anything connects. */
export function validateTransportOptions(options: SentinelTransportOptions | undefined): SentinelTransportOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('SentinelServer / SentinelClient need options { sentinels, service, ... }');
  }
  if (typeof options.service !== 'string' || options.service.length === 0) {
    throw new TypeError(`service must be a non-empty string, got ${JSON.stringify(options.service)}`);
  }
  const t = options.requestTimeout as unknown;
  if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t <= 0)) {
    throw new TypeError(`requestTimeout must be a positive number of milliseconds, got ${String(t)}`);
  }
  return options;
}
