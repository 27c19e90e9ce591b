// Subscriptions through masterFor follow the master through every kind of failover (graceful, SIGKILL,
// SIGSTOP, SHUTDOWN), a restart of a master that has no replica, and CLIENT KILL TYPE pubsub; nothing is
// thrown out of band meanwhile; and each failover shows as one failover-start / switch-master /
// failover-end on the RedisSentinel.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from '../../src/client/redis.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import type { SentinelEvents } from '../../src/sentinel/failover-follower.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { command } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { closeSentinel, failoverBy, sentinelsSettled, type FailoverKind } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

const outOfBand = { uncaught: 0, unhandled: 0 };
const onUncaught = (): void => void outOfBand.uncaught++;
const onUnhandled = (): void => void outOfBand.unhandled++;
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUnhandled);

type EventName = keyof SentinelEvents;

/** A client subscribed to a channel, a pattern and a shard channel, recording what arrives and the events. */
class Subscribed {
  readonly received: string[] = [];
  readonly events: { name: EventName; payload: unknown }[] = [];
  readonly channel = uniq('ch');
  readonly shard = uniq('sh');
  readonly pattern = `${uniq('pat')}:*`;
  private constructor(
    readonly sentinel: RedisSentinel,
    readonly redis: Redis,
  ) {}

  static async start(topology: SentinelTopology): Promise<Subscribed> {
    const sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: 5000 });
    const s = new Subscribed(sentinel, sentinel.masterFor(topology.service));
    for (const name of [
      'failover-start',
      'switch-master',
      'failover-end',
      'failover-abort',
      'resubscribed',
      'warning',
    ] as const) {
      sentinel.on(name, (payload: unknown) => s.events.push({ name, payload, at: Date.now() } as never));
    }
    await s.redis.subscribe(s.channel, (m) => s.received.push(`c:${String(m)}`));
    await s.redis.psubscribe(s.pattern, (m) => s.received.push(`p:${String(m)}`));
    await s.redis.ssubscribe(s.shard, (m) => s.received.push(`s:${String(m)}`));
    return s;
  }

  count(name: EventName): number {
    return this.events.filter((e) => e.name === name).length;
  }

  /** Publishes on `master` (a plain connection) until each kind of subscription got `tag`. */
  async expectDelivery(master: Address, tag: string): Promise<void> {
    const patternChannel = this.pattern.replace('*', 'x');
    const wanted = [`c:${tag}`, `p:${tag}`, `s:${tag}`];
    await command(master, {}, 'PUBLISH', this.channel, tag);
    await command(master, {}, 'PUBLISH', patternChannel, tag);
    await command(master, {}, 'SPUBLISH', this.shard, tag);
    await waitFor(
      `${wanted.join(', ')} to arrive (published on ${master.join(':')}, client on ${String(this.redis.address)}, subscriber on ${String((this.redis.connection as { subscriberAddress?: unknown }).subscriberAddress)}, got ${this.received.join(' ')})`,
      () => wanted.every((w) => this.received.includes(w)),
      { timeoutMs: 5_000 },
    );
  }

  close(): Promise<void> {
    return closeSentinel(this.sentinel);
  }
}

/** Waits until the subscriptions are back on `master` (the 'resubscribed' event after `since` events). */
async function resubscribedOn(s: Subscribed, since: number, master: Address): Promise<void> {
  await waitFor('a resubscribed event', () => s.events.slice(since).some((e) => e.name === 'resubscribed'), {
    timeoutMs: 20_000,
  });
  await waitFor('the client to use the new master', () => s.redis.address?.[1] === master[1], { timeoutMs: 10_000 });
}

describe('subscriptions through masterFor follow every kind of failover', { timeout: 240_000 }, () => {
  let topology: SentinelTopology;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 2, sentinels: 3, downAfterMs: 1000, failoverTimeoutMs: 3000 });
  });
  after(() => topology?.stop());

  const kinds: [string, FailoverKind][] = [
    ['graceful (SENTINEL FAILOVER)', 'graceful'],
    ['SIGKILL', 'kill'],
    ['SIGSTOP (frozen until the sentinels replace it)', 'freeze'],
    ['SHUTDOWN NOSAVE', 'shutdown'],
  ];

  for (const [kind, how] of kinds) {
    test(`${kind}: channel, pattern and shard channel get messages published on the new master`, async () => {
      await sentinelsSettled(topology);
      const s = await Subscribed.start(topology);
      try {
        await s.expectDelivery(await topology.masterAddress(), 'before');
        const mark = s.events.length;
        const to = await failoverBy(topology, how);
        await resubscribedOn(s, mark, to);
        await s.expectDelivery(to, 'after');
        assert.equal(s.count('switch-master'), 1, `one switch-master event: ${JSON.stringify(s.events)}`);
        assert.equal(s.count('failover-end'), 1, 'one failover-end event');
        assert.equal(s.count('failover-start'), 1, 'one failover-start event');
        assert.equal(s.count('failover-abort'), 0);
        const switched = s.events.find((e) => e.name === 'switch-master')!.payload as SentinelEvents['switch-master'];
        assert.deepEqual(switched.to, to);
        const resub = s.events.find((e) => e.name === 'resubscribed')!.payload as SentinelEvents['resubscribed'];
        assert.equal(resub.service, topology.service);
        assert.equal(resub.role, 'master');
        assert.deepEqual(resub.channels, [s.channel]);
        assert.deepEqual(resub.patterns, [s.pattern]);
        assert.deepEqual(resub.shardChannels, [s.shard]);
        // Writes work too, on the new master.
        await s.redis.set(uniq('after-failover'), 'v');
        assert.deepEqual(s.redis.address, to);
        const stats = s.sentinel.stats().find((p) => p.role === 'master')!;
        assert.deepEqual(stats.address, to);
        assert.equal(stats.state, 'connected');
        assert.equal(stats.holding, false);
        assert.ok(stats.lastFailover !== null, 'stats() records the failover');
        const ended = s.events.find((e) => e.name === 'failover-end')!.payload as SentinelEvents['failover-end'];
        assert.equal(
          stats.lastFailover.heldMs,
          ended.heldMs,
          `stats ${JSON.stringify(stats.lastFailover)}, events ${JSON.stringify(s.events)}`,
        );
        assert.ok(ended.heldMs > 0, `writes were held from +try-failover to +switch-master (${ended.heldMs} ms)`);
        assert.ok(stats.lastFailover.followedMs !== null && stats.lastFailover.followedMs >= 0);
      } finally {
        await s.close();
      }
    });
  }

  test('CLIENT KILL TYPE pubsub on the master: subscribed again on the same master', async () => {
    const s = await Subscribed.start(topology);
    try {
      const master = await topology.masterAddress();
      await s.expectDelivery(master, 'before-kill');
      const mark = s.events.length;
      const killed = Number(await command(master, {}, 'CLIENT', 'KILL', 'TYPE', 'pubsub'));
      assert.ok(killed >= 1, `CLIENT KILL TYPE pubsub killed ${killed} clients`);
      await resubscribedOn(s, mark, master);
      await s.expectDelivery(master, 'after-kill');
      assert.equal(s.count('switch-master'), 0);
    } finally {
      await s.close();
    }
  });
});

describe('subscriptions through slaveFor move to another replica', { timeout: 90_000 }, () => {
  let topology: SentinelTopology;
  before(async () => {
    topology = await SentinelTopology.start({ replicas: 2, sentinels: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 });
  });
  after(() => topology?.stop());

  test('the replica carrying the subscription is killed: resubscribed on the other, messages published on the master arrive', async () => {
    const sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: 5000 });
    const received: string[] = [];
    const resubscribed: SentinelEvents['resubscribed'][] = [];
    sentinel.on('resubscribed', (e: SentinelEvents['resubscribed']) => resubscribed.push(e));
    try {
      const replica = sentinel.slaveFor(topology.service);
      const channel = uniq('replica-ch');
      await replica.subscribe(channel, (m) => received.push(String(m)));
      const pool = replica.connection as unknown as { subscriberAddress: Address | null };
      const on = pool.subscriberAddress!;
      const master = await topology.masterAddress();
      // PUBLISH on the master reaches subscribers of its replicas through replication.
      await command(master, {}, 'PUBLISH', channel, 'one');
      await waitFor('the first message through the replica', () => received.includes('one'), { timeoutMs: 5_000 });
      const victim = topology.replicas.find((r) => r.port === on[1])!;
      await victim.kill();
      await waitFor('resubscribed on the other replica', () => resubscribed.some((e) => e.role === 'slave'), {
        timeoutMs: 20_000,
      });
      const now = pool.subscriberAddress;
      assert.ok(now !== null && now[1] !== on[1], `moved from ${on.join(':')} to ${String(now)}`);
      await command(master, {}, 'PUBLISH', channel, 'two');
      await waitFor('the second message through the other replica', () => received.includes('two'), {
        timeoutMs: 5_000,
      });
      await victim.restart();
    } finally {
      await closeSentinel(sentinel);
    }
  });
});

describe('a master with no replica restarts: subscriptions come back', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  before(async () => {
    topology = await SentinelTopology.start({ replicas: 0, sentinels: 1, downAfterMs: 5000, failoverTimeoutMs: 3000 });
  });
  after(() => topology?.stop());

  test('restart of the only master: resubscribed, messages arrive, no failover events', async () => {
    const s = await Subscribed.start(topology);
    try {
      const master = await topology.masterAddress();
      await s.expectDelivery(master, 'before-restart');
      const mark = s.events.length;
      await topology.master.restart();
      await resubscribedOn(s, mark, master);
      await s.expectDelivery(master, 'after-restart');
      assert.equal(s.count('switch-master'), 0);
    } finally {
      await s.close();
    }
  });
});

describe('nothing is thrown out of band', () => {
  test('no uncaught exception and no unhandled rejection during the failovers above', () => {
    assert.deepEqual(outOfBand, { uncaught: 0, unhandled: 0 });
  });
});
