import type { INestApplication } from '@nestjs/common';
import { createRedis, getSentinelToken, type Address, type Redis, type RedisSentinel } from '../../src/index.js';
import type { SentinelClient } from '../../src/microservices/index.js';
import type { SentinelTopology } from '../../src/testing/index.js';
import { print } from './demo-print.js';
import { WORKER } from './sum.controller.js';

/** What the app's RedisSentinel reported, for the summary. */
export interface FailoverRecord {
  starts: number;
  switches: { from: Address; to: Address }[];
  heldMs: number[];
  aborts: number;
  warnings: number;
}

const addr = (a: Address): string => a.join(':');

/**
 * Prints the app's RedisSentinel events live (`event` lines: failover-start, switch-master,
 * failover-end with the write hold, failover-abort, resubscribed, warning) and the transport
 * client's resubscriptions (`client` lines).
 */
export function printSentinelEvents(app: INestApplication): FailoverRecord {
  const record: FailoverRecord = { starts: 0, switches: [], heldMs: [], aborts: 0, warnings: 0 };
  const sentinel = app.get<RedisSentinel>(getSentinelToken());
  sentinel.on('failover-start', (e: { service: string }) => {
    record.starts++;
    print('event', `failover-start ${e.service}: writes held from now`);
  });
  sentinel.on('switch-master', (e: { service: string; from: Address; to: Address }) => {
    record.switches.push({ from: e.from, to: e.to });
    print('event', `switch-master ${e.service} ${addr(e.from)} -> ${addr(e.to)}`);
  });
  sentinel.on('failover-end', (e: { service: string; heldMs: number }) => {
    record.heldMs.push(e.heldMs);
    print('event', `failover-end ${e.service}: writes held ${e.heldMs} ms`);
  });
  sentinel.on('failover-abort', (e: { service: string }) => {
    record.aborts++;
    print('event', `failover-abort ${e.service}`);
  });
  sentinel.on('resubscribed', (e: { service: string; role: string; channels: string[] }) =>
    print('event', `resubscribed ${e.service} ${e.role}: ${e.channels.length} channels`),
  );
  sentinel.on('warning', (e: { message: string }) => {
    record.warnings++;
    print('event', `warning ${e.message}`);
  });
  // The transport client has its own RedisSentinel (its reply subscription follows the master).
  const client = app.get<SentinelClient>(WORKER);
  client.on('resubscribed', (e) => print('client', `resubscribed ${e.service} ${e.role}: ${e.channels.join(', ')}`));
  client.on('warning', (e) => print('client', `warning ${e.message}`));
  return record;
}

/** Prints every event one sentinel publishes (+sdown, +try-failover, +switch-master, ...) as it arrives. */
export async function watchSentinel(topology: SentinelTopology): Promise<Redis> {
  const watcher = await createRedis(topology.sentinelAddresses[0]!);
  await watcher.psubscribe('*', (message, channel) => {
    print('sentinel', `${channel} ${String(message)}`);
  });
  return watcher;
}
