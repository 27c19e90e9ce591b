import type { RedisSentinel } from '../sentinel/index.js';
import type { SentinelTransportStatus } from './options.js';

/** Drives a transport's status from the sentinel's failover events of its service. */
export function followStatus(
  sentinel: RedisSentinel,
  service: string,
  status: { next(value: SentinelTransportStatus): void },
): void {
  const mine =
    (next: SentinelTransportStatus) =>
    (payload: { service: string }): void => {
      if (payload.service === service && !sentinel.closed) status.next(next);
    };
  sentinel.on('failover-start', mine('reconnecting'));
  sentinel.on('failover-end', mine('connected'));
  sentinel.on('failover-abort', mine('connected'));
  sentinel.on('resubscribed', mine('connected'));
}

type Listener = (...args: never[]) => void;

/** `on()` before the sentinel exists: kept and attached once it does (and again after a reconnect). */
export class PendingListeners {
  private readonly listeners: [event: string, callback: Listener][] = [];

  add(event: string, callback: Listener, sentinel: RedisSentinel | undefined): void {
    this.listeners.push([event, callback]);
    sentinel?.on(event, callback as (...args: unknown[]) => void);
  }

  attach(sentinel: RedisSentinel): void {
    for (const [event, callback] of this.listeners) sentinel.on(event, callback as (...args: unknown[]) => void);
  }
}
