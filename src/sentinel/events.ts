import type { Address } from '../types.js';

/**
 * What one sentinel event means for the client: a pure function from the channel and text that a
 * sentinel publishes to a typed action, so the reaction can be read (and tested) apart from the parsing.
 *
 * Event texts (Redis 7 / Valkey 8):
 * - `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>`
 * - about a master: `master <name> <ip> <port> [...]`
 * - about a replica or a sentinel: `<slave|sentinel> <instance> <ip> <port> @ <name> <master-ip> <master-port>`
 * - `+new-epoch <epoch>`, `+tilt` / `-tilt` (`#tilt mode ...`), `+vote-for-leader <runid> <epoch>`: no service
 */
export type SentinelAction =
  /** A failover of the service is under way: writes are held from here. */
  | { kind: 'failover-start'; service: string; event: string; replica?: Address }
  /** The sentinels now name `to` as master. */
  | { kind: 'switch-master'; service: string; from: Address; to: Address }
  /** The failover stopped without a new master; the old one stays. */
  | { kind: 'failover-abort'; service: string; event: string }
  /** The master is objectively down: stop sending to it. */
  | { kind: 'master-down'; service: string; address: Address }
  /** The master is reachable again without a failover (`-odown`). */
  | { kind: 'master-up'; service: string; address: Address }
  /** A replica is down, or no longer a replica of this master. */
  | { kind: 'replica-down'; service: string; address: Address }
  /** A replica was added or is reachable again. */
  | { kind: 'replica-up'; service: string; address: Address }
  /** An instance was turned into a replica (an old master demoted after it came back). */
  | { kind: 'demoted'; service: string; address: Address }
  /** A sentinel monitoring the service announced itself. */
  | { kind: 'sentinel-found'; service: string; address: Address }
  /** Nothing for the client to do (logged at debug level). */
  | { kind: 'info'; event: string; service?: string };

/** Events of the leader sentinel's failover, in order; any of them means writes must wait. */
const FAILOVER_PROGRESS = new Set([
  '+try-failover',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+failover-state-wait-promotion',
  '+promoted-slave',
  '+failover-state-reconf-slaves',
  // The leader sends it before +switch-master when reconfiguring the replicas took too long.
  '+failover-end-for-timeout',
]);

function address(ip: string | undefined, port: string | undefined): Address | null {
  const n = Number(port);
  if (ip === undefined || ip.length === 0 || !Number.isInteger(n) || n < 1 || n > 65535) return null;
  return [ip, n];
}

/** `<type> <instance> <ip> <port> @ <name> ...` -> the service and the instance's address. */
function instance(parts: string[]): { type: string; service: string | undefined; address: Address | null } {
  const type = parts[0] ?? '';
  if (type === 'master') return { type, service: parts[1], address: address(parts[2], parts[3]) };
  const at = parts.indexOf('@');
  return { type, service: at >= 0 ? parts[at + 1] : undefined, address: address(parts[2], parts[3]) };
}

/** Classifies one event from a sentinel's `PSUBSCRIBE *`: `channel` is the event name, `data` its text. */
export function classifySentinelEvent(channel: string, data: string): SentinelAction {
  const parts = data.split(' ').filter((p) => p.length > 0);
  if (channel === '+switch-master') {
    const [service, oldIp, oldPort, newIp, newPort] = parts;
    const from = address(oldIp, oldPort);
    const to = address(newIp, newPort);
    if (service === undefined || from === null || to === null) return { kind: 'info', event: channel };
    return { kind: 'switch-master', service, from, to };
  }
  const { type, service, address: at } = instance(parts);
  if (service === undefined || at === null) return { kind: 'info', event: channel };
  if (FAILOVER_PROGRESS.has(channel)) {
    // +selected-slave / +promoted-slave name the replica being promoted: it stops being a replica.
    return type === 'slave'
      ? { kind: 'failover-start', service, event: channel, replica: at }
      : { kind: 'failover-start', service, event: channel };
  }
  if (channel.startsWith('-failover-abort')) return { kind: 'failover-abort', service, event: channel };
  if (type === 'master') {
    if (channel === '+odown') return { kind: 'master-down', service, address: at };
    if (channel === '-odown') return { kind: 'master-up', service, address: at };
    return { kind: 'info', event: channel, service };
  }
  if (type === 'slave') {
    switch (channel) {
      case '+sdown':
      case '+odown':
        return { kind: 'replica-down', service, address: at };
      case '-sdown':
      case '+slave':
      case '+slave-reconf-done':
        return { kind: 'replica-up', service, address: at };
      case '+convert-to-slave':
        return { kind: 'demoted', service, address: at };
      default:
        return { kind: 'info', event: channel, service };
    }
  }
  if (type === 'sentinel' && channel === '+sentinel') return { kind: 'sentinel-found', service, address: at };
  return { kind: 'info', event: channel, service };
}
