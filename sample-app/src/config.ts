import type { AddressInput, Logger } from '../../src/index.js';

/** The service the sample app uses (the decorators name it literally, as an app would). */
export const SERVICE = 'mymaster';

export interface SampleAppConfig {
  /** Sentinel addresses. */
  sentinels: readonly AddressInput[];
  /** Where the client logs discovery and failover events. Default: Nest's logger. */
  clientLogger?: Logger | false;
  /** ms a command waits for a master during a failover. Default: the client's (10 000). */
  failoverTimeout?: number;
}

/** `'127.0.0.1:26379,127.0.0.1:26380'` (the SENTINELS variable) to a list of addresses. */
export function parseSentinelList(text: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new TypeError('SENTINELS must list at least one host:port');
  return list;
}
