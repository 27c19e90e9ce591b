import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type RedisConnection } from '../../src/connection/connection.js';
import { MasterNotFoundError, PoolClosedError, SlaveNotFoundError } from '../../src/errors.js';
import { ManagedPool, type Discovery, type ManagedPoolOptions } from '../../src/sentinel/managed-pool.js';
import { canMove, type PoolState } from '../../src/sentinel/pool-state.js';
import { waitFor } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { FakeServer, onCommands } from '../helpers/fake-server.js';
import { rejection, within } from '../helpers/util.js';

// ---- the transition table ----

const STATES: PoolState[] = ['idle', 'discovering', 'connected', 'holding', 'closed'];
/** pool-state.ts's table, written out again: a change there must be a decision, seen here. */
const ALLOWED = new Set([
  'idle->discovering',
  'idle->holding',
  'idle->closed',
  'discovering->connected',
  'discovering->holding',
  'discovering->idle',
  'discovering->closed',
  'connected->discovering',
  'connected->holding',
  'connected->closed',
  'holding->discovering',
  'holding->connected',
  'holding->closed',
]);

describe('pool-state: canMove', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      const key = `${from}->${to}`;
      test(`${key}: ${ALLOWED.has(key) ? 'allowed' : 'refused'}`, () => {
        assert.equal(canMove(from, to), ALLOWED.has(key));
      });
    }
  }

  test('closed is terminal; every other state can close', () => {
    for (const to of STATES) assert.equal(canMove('closed', to), false);
    for (const from of STATES.filter((s) => s !== 'closed')) assert.equal(canMove(from, 'closed'), true);
  });
});

// ---- ManagedPool with a fake Discovery, over fake servers ----

/**
 * A data node: +PONG / +OK to everything; or -READONLY to writes (demoted), -LOADING to the next
 * `loading` commands (restarting), -MASTERDOWN to reads (a replica cut from its master), or silence.
 */
interface Node {
  server: FakeServer;
  readonly: boolean;
  masterdown: boolean;
  loading: number;
  silent: boolean;
  commands: string[];
}

async function startNode(): Promise<Node> {
  const node: Node = {
    server: undefined as unknown as FakeServer,
    readonly: false,
    masterdown: false,
    loading: 0,
    silent: false,
    commands: [],
  };
  node.server = await FakeServer.start((socket) => {
    onCommands(socket, (args) => {
      const name = args[0]!.toUpperCase();
      node.commands.push(args.join(' '));
      if (node.silent) return;
      if (name === 'PING') socket.write('+PONG\r\n');
      else if (node.loading > 0) {
        node.loading--;
        socket.write('-LOADING Redis is loading the dataset in memory\r\n');
      } else if (node.readonly && (name === 'SET' || name === 'INCR')) {
        socket.write("-READONLY You can't write against a read only replica.\r\n");
      } else if (node.masterdown && name === 'GET') {
        socket.write("-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n");
      } else socket.write('+OK\r\n');
    });
  });
  return node;
}

let A: Node;
let B: Node;
let C: Node;
before(async () => {
  [A, B, C] = await Promise.all([startNode(), startNode(), startNode()]);
});
after(async () => {
  await Promise.all([A, B, C].map((n) => n.server.close()));
});

/** The sentinels, faked: which master and replicas they name, under the test's control. */
class FakeDiscovery implements Discovery {
  master: Address | null = null;
  replicas: Address[] = [];
  /** verifyMaster fails (the announced address is not a master yet). */
  verifyFails = false;
  /** When set, discoverMaster waits for it. */
  gate: Promise<void> | null = null;
  unknownService = false;
  readonly calls: string[] = [];
  readonly logs: [string, string][] = [];

  async discoverMaster(_service: string, _timeout?: number, exclude?: Address | null): Promise<RedisConnection> {
    this.calls.push(`discoverMaster exclude=${exclude ? exclude[1] : 'none'}`);
    if (this.gate !== null) await this.gate;
    if (this.master === null) {
      throw new MasterNotFoundError('No master found for mymaster', {
        service: 'mymaster',
        unknownService: this.unknownService,
      });
    }
    return createConnection(this.master);
  }

  async verifyMaster(_service: string, address: Address): Promise<RedisConnection> {
    this.calls.push(`verifyMaster ${address[1]}`);
    if (this.verifyFails) throw new MasterNotFoundError(`${address[1]} is not a master`);
    return createConnection(address);
  }

  async replicaCandidates(): Promise<Address[]> {
    this.calls.push('replicaCandidates');
    if (this.replicas.length === 0)
      throw new SlaveNotFoundError('No slave found for mymaster', { service: 'mymaster' });
    return [...this.replicas];
  }

  async verifyReplica(_service: string, address: Address): Promise<RedisConnection> {
    this.calls.push(`verifyReplica ${address[1]}`);
    return createConnection(address);
  }

  log(level: 'debug' | 'log' | 'warn', message: string): void {
    this.logs.push([level, message]);
  }
}

const pools: ManagedPool[] = [];

function makePool(
  discovery: Discovery,
  options: Partial<ManagedPoolOptions> & { role?: 'master' | 'slave' } = {},
): { pool: ManagedPool; states: string[]; reasons: string[] } {
  const { role = 'master', ...rest } = options;
  const pool = new ManagedPool('mymaster', role, discovery, {
    failoverTimeout: 2000,
    maxQueuedCommands: 1000,
    holdWritesDuringFailover: true,
    minsize: 1,
    maxsize: 2,
    ...rest,
  });
  pools.push(pool);
  const states: string[] = [];
  const reasons: string[] = [];
  pool.on('state', (e: { from: PoolState; to: PoolState; reason: string }) => {
    states.push(`${e.from}->${e.to}`);
    reasons.push(e.reason);
  });
  return { pool, states, reasons };
}

afterEach(async () => {
  for (const pool of pools.splice(0)) {
    pool.close();
    await pool.waitClosed();
  }
});

/** Settles to 'pending' while the promise has not settled after a round trip to the server. */
function tracked<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { settled: () => done, promise };
}

const port = (n: Node) => n.server.port;

/**
 * True when `p` is still unsettled a moment after the call: a command that is not sent must be
 * checked for by waiting (there is no event to poll for), briefly.
 */
async function stillWaiting(p: { settled: () => boolean }): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return !p.settled();
}

describe('ManagedPool: discovery', () => {
  test('idle -> discovering on the first command -> connected', async () => {
    const discovery = new FakeDiscovery();
    discovery.master = A.server.address;
    const { pool, states } = makePool(discovery);
    assert.equal(pool.state, 'idle');
    assert.deepEqual(states, [], 'lazy: nothing before the first command');
    assert.equal(await pool.execute('SET', 'k', 'v'), 'OK');
    await waitFor('connected', () => pool.state === 'connected');
    assert.deepEqual(states, ['idle->discovering', 'discovering->connected']);
    assert.deepEqual(pool.address, A.server.address);
    assert.ok(A.commands.includes('SET k v'));
  });

  test('discovery fails: retried with back-off while the command waits, which goes once a master is known', async () => {
    const discovery = new FakeDiscovery();
    const { pool, states } = makePool(discovery, { failoverTimeout: 5000 });
    const set = tracked(pool.execute('SET', 'k', 'v'));
    await waitFor('three discoveries', () => discovery.calls.length >= 3);
    assert.equal(pool.state, 'discovering');
    assert.equal(set.settled(), false);
    discovery.master = B.server.address;
    assert.equal(await within(5000, 'the SET', set.promise), 'OK');
    await waitFor('connected', () => pool.state === 'connected');
    assert.deepEqual(states, ['idle->discovering', 'discovering->connected']);
  });

  test('no master within failoverTimeout: the command rejects MasterNotFoundError; with minsize 0 the pool goes idle', async () => {
    const discovery = new FakeDiscovery();
    const { pool, states } = makePool(discovery, { failoverTimeout: 300, minsize: 0 });
    const error = await within(5000, 'the SET', rejection(pool.execute('SET', 'k', 'v')));
    assert.ok(error instanceof MasterNotFoundError);
    assert.equal(error.service, 'mymaster');
    assert.match(error.message, /within failoverTimeout \(300 ms\)/);
    await waitFor('idle', () => pool.state === 'idle');
    assert.deepEqual(states, ['idle->discovering', 'discovering->idle']);
  });

  test('an unknown service fails at once, without retries', async () => {
    const discovery = new FakeDiscovery();
    discovery.unknownService = true;
    const { pool } = makePool(discovery, { failoverTimeout: 5000, minsize: 0 });
    const error = await within(2000, 'the SET', rejection(pool.execute('SET', 'k', 'v')));
    assert.ok(error instanceof MasterNotFoundError && error.unknownService);
    assert.equal(discovery.calls.length, 1);
  });

  test('maxQueuedCommands: past the limit a command rejects at once', async () => {
    const discovery = new FakeDiscovery();
    let open!: () => void;
    discovery.gate = new Promise((resolve) => (open = resolve));
    const { pool } = makePool(discovery, { maxQueuedCommands: 2 });
    const first = pool.execute('SET', 'a', '1');
    const second = pool.execute('SET', 'b', '2');
    const error = await within(1000, 'the third', rejection(pool.execute('SET', 'c', '3')));
    assert.ok(error instanceof MasterNotFoundError);
    assert.match(error.message, /2 commands already wait/);
    assert.equal(pool.queued, 2);
    discovery.master = A.server.address;
    open();
    assert.deepEqual(await Promise.all([first, second]), ['OK', 'OK']);
  });

  test('READONLY from the master: rediscovered and resent to the new master (connected -> discovering -> connected)', async () => {
    const discovery = new FakeDiscovery();
    const demoted = await startNode();
    try {
      discovery.master = demoted.server.address;
      const { pool, states } = makePool(discovery);
      await pool.execute('PING');
      await waitFor('connected', () => pool.state === 'connected');
      demoted.readonly = true;
      discovery.master = C.server.address;
      assert.equal(await pool.execute('SET', 'moved', '1'), 'OK');
      assert.ok(C.commands.includes('SET moved 1'));
      await waitFor('connected again', () => pool.state === 'connected' && states.length >= 4);
      assert.deepEqual(states, [
        'idle->discovering',
        'discovering->connected',
        'connected->discovering',
        'discovering->connected',
      ]);
    } finally {
      await demoted.server.close();
    }
  });
});

/** A master pool connected to A. */
async function connectedPool(options: Partial<ManagedPoolOptions> = {}) {
  const discovery = new FakeDiscovery();
  discovery.master = A.server.address;
  const made = makePool(discovery, options);
  await made.pool.execute('PING');
  await waitFor('connected', () => made.pool.state === 'connected');
  made.states.length = 0;
  made.reasons.length = 0;
  return { discovery, ...made };
}

describe('ManagedPool: what the servers say', () => {
  test('LOADING: the command is sent again a little later to the same server; nothing is rediscovered', async () => {
    const { pool, states, discovery } = await connectedPool();
    A.loading = 2;
    assert.equal(await within(5000, 'the GET', pool.execute('GET', 'loading-key')), 'OK');
    assert.equal(A.commands.filter((c) => c === 'GET loading-key').length, 3);
    assert.deepEqual(states, []);
    assert.equal(discovery.calls.length, 1);
  });

  test('MASTERDOWN from a replica: that replica is avoided and the read goes to another', async () => {
    const discovery = new FakeDiscovery();
    const cut = await startNode();
    try {
      discovery.replicas = [cut.server.address];
      const { pool } = makePool(discovery, { role: 'slave' });
      await pool.execute('PING');
      cut.masterdown = true;
      discovery.replicas = [cut.server.address, C.server.address];
      assert.equal(await pool.execute('GET', 'masterdown-key'), 'OK');
      assert.ok(C.commands.includes('GET masterdown-key'));
      assert.deepEqual(pool.connectedAddresses, [C.server.address]);
    } finally {
      await cut.server.close();
    }
  });
});

describe('ManagedPool: the failover hold', () => {
  test('connected -> holding on holdWrites(): reads go, writes wait; releaseHold -> connected and they go', async () => {
    const { pool, states } = await connectedPool();
    pool.holdWrites();
    assert.equal(pool.state, 'holding');
    assert.equal(pool.holding, true);
    assert.equal(await pool.execute('GET', 'k'), 'OK', 'a read goes during the hold');
    const set = tracked(pool.execute('SET', 'held', '1'));
    assert.equal(pool.queued, 1);
    assert.equal(await stillWaiting(set), true, 'the write waits');
    assert.ok(!A.commands.includes('SET held 1'));
    const heldMs = pool.releaseHold('-failover-abort-no-good-slave');
    assert.ok(heldMs >= 0);
    assert.equal(await set.promise, 'OK');
    assert.deepEqual(states, ['connected->holding', 'holding->connected']);
  });

  test('a pipeline that starts with a read waits whole while writes are held', async () => {
    const { pool } = await connectedPool();
    pool.holdWrites();
    const [get, set] = pool.sendBatch([
      ['GET', ['k'], undefined],
      ['SET', ['k', 'v'], undefined],
    ]);
    const both = tracked(Promise.all([get, set]));
    assert.equal(await stillWaiting(both), true);
    pool.releaseHold('abort');
    assert.deepEqual(await both.promise, ['OK', 'OK']);
  });

  test('a read issued after a held write waits behind it (order is kept), and both go when the hold ends', async () => {
    const { pool } = await connectedPool();
    pool.holdWrites();
    const set = tracked(pool.execute('SET', 'order', '1'));
    const get = tracked(pool.execute('GET', 'order'));
    assert.equal(await stillWaiting(get), true);
    assert.equal(set.settled(), false);
    pool.releaseHold('abort');
    assert.deepEqual(await Promise.all([set.promise, get.promise]), ['OK', 'OK']);
    const i = A.commands.indexOf('SET order 1');
    assert.ok(i >= 0 && A.commands.indexOf('GET order') > i);
  });

  test('holding -> discovering on switchMaster(B): old connections closed, B verified first, held writes go to B', async () => {
    const { pool, states, discovery } = await connectedPool();
    assert.ok(pool.connectedAddresses.length >= 1);
    const toOld = [...A.server.sockets].filter((sock) => !sock.destroyed).length;
    assert.ok(toOld >= 1);
    pool.holdWrites();
    const set = tracked(pool.execute('SET', 'after-switch', '1'));
    assert.equal(await stillWaiting(set), true);
    const heldMs = pool.switchMaster(B.server.address);
    assert.ok(heldMs >= 0);
    assert.equal(await within(5000, 'the held SET', set.promise), 'OK');
    assert.ok(B.commands.includes('SET after-switch 1'), 'sent to the new master');
    assert.ok(!A.commands.includes('SET after-switch 1'), 'never to the old one');
    assert.deepEqual(pool.address, B.server.address);
    assert.ok(pool.connectedAddresses.every((a) => a[1] === port(B)));
    await waitFor('the connections to the old master closed', () => A.server.sockets.size === 0);
    assert.deepEqual(discovery.calls, ['discoverMaster exclude=none', `verifyMaster ${port(B)}`]);
    await waitFor('connected', () => pool.state === 'connected');
    assert.deepEqual(states, ['connected->holding', 'holding->discovering', 'discovering->connected']);
    assert.ok(pool.lastFailover !== null);
    await waitFor('followedMs', () => pool.lastFailover?.followedMs !== null);
  });

  test('switchMaster: when the announced master does not answer as one, discovery asks the sentinels, skipping the demoted one', async () => {
    const { pool, discovery } = await connectedPool();
    discovery.verifyFails = true;
    discovery.master = C.server.address;
    pool.switchMaster(B.server.address);
    assert.equal(await pool.execute('SET', 'x', '1'), 'OK');
    assert.deepEqual(pool.address, C.server.address);
    assert.deepEqual(discovery.calls.slice(1), [`verifyMaster ${port(B)}`, `discoverMaster exclude=${port(A)}`]);
  });

  test('+odown then +switch-master (a crash): the master that went down is still skipped by the fallback discovery', async () => {
    const { pool, discovery } = await connectedPool();
    pool.masterDown(A.server.address);
    discovery.verifyFails = true;
    discovery.master = C.server.address;
    pool.switchMaster(B.server.address);
    assert.equal(await pool.execute('SET', 'after-crash', '1'), 'OK');
    assert.deepEqual(discovery.calls.slice(1), [`verifyMaster ${port(B)}`, `discoverMaster exclude=${port(A)}`]);
  });

  test('switchMaster to the address in use only ends the hold', async () => {
    const { pool, states } = await connectedPool();
    pool.holdWrites();
    pool.switchMaster(A.server.address);
    assert.deepEqual(states, ['connected->holding', 'holding->connected']);
    assert.deepEqual(pool.address, A.server.address);
  });

  test('the hold ends by itself after failoverTimeout (holding -> connected), with a warning', async () => {
    const { pool, states, reasons, discovery } = await connectedPool({ failoverTimeout: 250 });
    pool.holdWrites();
    const set = pool.execute('SET', 'late', '1');
    assert.equal(await within(5000, 'the SET', set), 'OK');
    assert.deepEqual(states, ['connected->holding', 'holding->connected']);
    assert.equal(reasons[1], 'failoverTimeout passed');
    assert.ok(discovery.logs.some(([level, m]) => level === 'warn' && /not finished within failoverTimeout/.test(m)));
  });

  test('idle -> holding: a failover before any command; the first write waits for the switch', async () => {
    const discovery = new FakeDiscovery();
    discovery.master = A.server.address;
    const { pool, states } = makePool(discovery);
    pool.holdWrites();
    assert.equal(pool.state, 'holding');
    assert.equal(await pool.execute('GET', 'k'), 'OK', 'a read goes');
    const set = tracked(pool.execute('SET', 'first', '1'));
    assert.equal(await stillWaiting(set), true);
    pool.switchMaster(B.server.address);
    assert.equal(await set.promise, 'OK');
    assert.ok(B.commands.includes('SET first 1'));
    await waitFor('connected', () => pool.state === 'connected');
    assert.deepEqual(states, ['idle->holding', 'holding->discovering', 'discovering->connected']);
  });

  test('discovering -> holding: a failover while the master is being looked for', async () => {
    const discovery = new FakeDiscovery();
    let open!: () => void;
    discovery.gate = new Promise((resolve) => (open = resolve));
    discovery.master = A.server.address;
    const { pool, states } = makePool(discovery);
    const set = tracked(pool.execute('SET', 'k', 'v'));
    await waitFor('discovering', () => pool.state === 'discovering');
    pool.holdWrites();
    open();
    await waitFor('a connection', () => pool.connectedAddresses.length > 0);
    assert.equal(await stillWaiting(set), true, 'held although the master was found');
    assert.equal(pool.state, 'holding');
    pool.releaseHold('abort');
    assert.equal(await set.promise, 'OK');
    assert.deepEqual(states, ['idle->discovering', 'discovering->holding', 'holding->connected']);
  });

  test('holdWritesDuringFailover false: holdWrites() changes nothing', async () => {
    const { pool, states } = await connectedPool({ holdWritesDuringFailover: false });
    pool.holdWrites();
    assert.equal(pool.state, 'connected');
    assert.equal(await pool.execute('SET', 'k', 'v'), 'OK');
    assert.deepEqual(states, []);
  });

  test('holding -> discovering when the hold ends with no connection open', async () => {
    const { pool, states, discovery } = await connectedPool();
    pool.holdWrites();
    discovery.master = null;
    pool.masterDown(A.server.address);
    assert.equal(pool.state, 'holding', '+odown during a hold keeps holding');
    pool.releaseHold('abort');
    assert.deepEqual(states, ['connected->holding', 'holding->discovering']);
  });
});

describe('ManagedPool: +odown / -odown', () => {
  test('masterDown(current): connections retired, commands wait; masterUp rediscovers and they go', async () => {
    const { pool, states, reasons, discovery } = await connectedPool();
    discovery.master = null;
    pool.masterDown(A.server.address);
    assert.equal(pool.state, 'discovering');
    assert.equal(reasons[0], `+odown 127.0.0.1:${port(A)}`);
    assert.deepEqual(pool.connectedAddresses, []);
    assert.equal(pool.address, null);
    const set = tracked(pool.execute('SET', 'k', 'v'));
    await waitFor('a failed discovery', () => discovery.calls.length >= 2);
    assert.equal(set.settled(), false);
    discovery.master = A.server.address;
    pool.masterUp();
    assert.equal(await within(5000, 'the SET', set.promise), 'OK');
    await waitFor('connected', () => pool.state === 'connected');
    assert.deepEqual(states, ['connected->discovering', 'discovering->connected']);
  });

  test('masterDown of another address changes nothing', async () => {
    const { pool, states } = await connectedPool();
    pool.masterDown(['127.0.0.1', 1]);
    assert.equal(pool.state, 'connected');
    assert.deepEqual(pool.address, A.server.address);
    assert.deepEqual(states, []);
  });
});

describe('ManagedPool: replica pools', () => {
  test('replicaGone(in use) rediscovers; with replicaFallback "master" reads go to the master until replicaBack', async () => {
    const discovery = new FakeDiscovery();
    discovery.master = A.server.address;
    discovery.replicas = [B.server.address];
    const { pool, states } = makePool(discovery, { role: 'slave', replicaFallback: 'master' });
    assert.equal(await pool.execute('GET', 'r1'), 'OK');
    assert.ok(B.commands.includes('GET r1'));
    discovery.replicas = [];
    pool.replicaGone(B.server.address);
    assert.equal(await pool.execute('GET', 'r2'), 'OK');
    assert.ok(A.commands.includes('GET r2'), 'read from the master for want of a replica');
    assert.ok(discovery.logs.some(([level, m]) => level === 'warn' && /No healthy replica/.test(m)));
    discovery.replicas = [C.server.address];
    pool.replicaBack();
    assert.equal(await pool.execute('GET', 'r3'), 'OK');
    assert.ok(C.commands.includes('GET r3'), 'back on a replica');
    await waitFor('connected', () => pool.state === 'connected');
    assert.deepEqual(states, [
      'idle->discovering',
      'discovering->connected',
      'connected->discovering',
      'discovering->connected',
      'connected->discovering',
      'discovering->connected',
    ]);
  });

  test('replicaGone of a replica not in use changes nothing; replicaBack off fallback changes nothing', async () => {
    const discovery = new FakeDiscovery();
    discovery.replicas = [B.server.address];
    const { pool, states } = makePool(discovery, { role: 'slave' });
    await pool.execute('GET', 'k');
    await waitFor('connected', () => pool.state === 'connected');
    states.length = 0;
    pool.replicaGone(C.server.address);
    pool.replicaBack();
    assert.equal(pool.state, 'connected');
    assert.deepEqual(states, []);
  });

  test('without replicaFallback: no replica means SlaveNotFoundError after failoverTimeout', async () => {
    const discovery = new FakeDiscovery();
    discovery.master = A.server.address;
    const { pool } = makePool(discovery, { role: 'slave', failoverTimeout: 300 });
    const error = await within(5000, 'the GET', rejection(pool.execute('GET', 'no-replica-read')));
    assert.ok(error instanceof SlaveNotFoundError);
    assert.ok(!A.commands.includes('GET no-replica-read'), 'never read from the master');
  });

  test('holdWrites() on a replica pool changes nothing', async () => {
    const discovery = new FakeDiscovery();
    discovery.replicas = [B.server.address];
    const { pool } = makePool(discovery, { role: 'slave' });
    pool.holdWrites();
    assert.equal(pool.state, 'idle');
  });
});

describe('ManagedPool: close()', () => {
  test('-> closed: waiting commands reject PoolClosedError, later calls too, and nothing moves it again', async () => {
    const { pool, states } = await connectedPool();
    pool.holdWrites();
    const held = pool.execute('SET', 'k', 'v');
    pool.close();
    assert.ok((await rejection(held)) instanceof PoolClosedError);
    assert.ok((await rejection(pool.execute('GET', 'k'))) instanceof PoolClosedError);
    assert.equal(pool.state, 'closed');
    pool.holdWrites();
    pool.switchMaster(B.server.address);
    pool.masterDown(A.server.address);
    pool.masterUp();
    pool.rediscover(undefined, 'test');
    assert.equal(pool.state, 'closed');
    assert.deepEqual(states, ['connected->holding', 'holding->closed']);
    await within(2000, 'waitClosed', pool.waitClosed());
  });

  test('a command in flight when the pool closes rejects PoolClosedError', async () => {
    const discovery = new FakeDiscovery();
    const mute = await startNode();
    try {
      discovery.master = mute.server.address;
      const { pool } = makePool(discovery);
      await pool.execute('PING');
      mute.silent = true;
      const get = pool.execute('GET', 'never-answered');
      await waitFor('the GET reached the server', () => mute.commands.includes('GET never-answered'));
      pool.close();
      assert.ok((await rejection(get)) instanceof PoolClosedError);
    } finally {
      await mute.server.close();
    }
  });

  test('closing while discovery is retried rejects the waiting commands and stops the retries', async () => {
    const discovery = new FakeDiscovery();
    const { pool, states } = makePool(discovery, { failoverTimeout: 10_000 });
    const set = pool.execute('SET', 'k', 'v');
    await waitFor('two discoveries', () => discovery.calls.length >= 2);
    pool.close();
    assert.ok((await rejection(set)) instanceof PoolClosedError);
    const calls = discovery.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(discovery.calls.length, calls);
    assert.deepEqual(states, ['idle->discovering', 'discovering->closed']);
  });
});
