// The microservices transport on a real Sentinel topology: request/response and events through
// SentinelServer + SentinelClient (also wired by ClientsModule), wildcards, the wire format checked
// both ways against Nest's own Redis transporter, requestTimeout and close() settling requests.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { INestMicroservice } from '@nestjs/common';
import { ClientProxyFactory, ClientsModule, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { Redis } from '../../src/client/redis.js';
import { ConnectionClosedError, TimeoutError } from '../../src/errors.js';
import { SentinelClient, SentinelServer } from '../../src/microservices/index.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { MathModule, Transport, WildcardModule, startMicroservice } from '../helpers/microservices.js';
import { closeSentinel } from '../helpers/sentinel.js';
import { rejection, within } from '../helpers/util.js';

describe('microservices transport (SentinelServer / SentinelClient)', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  let probe: RedisSentinel;
  let redis: Redis;
  const apps: INestMicroservice[] = [];
  const clients: ClientProxy[] = [];

  const options = (): { sentinels: SentinelTopology['sentinelAddresses']; service: string } => ({
    sentinels: topology.sentinelAddresses,
    service: topology.service,
  });
  const client = (extra: Record<string, unknown> = {}): SentinelClient => {
    const c = new SentinelClient({ ...options(), ...extra });
    clients.push(c);
    return c;
  };
  const serve = async (
    module: typeof MathModule,
    strategy: ConstructorParameters<typeof SentinelServer>[0] | 'nest-redis',
  ): Promise<Awaited<ReturnType<typeof startMicroservice>>> => {
    const [host, port] = await topology.masterAddress();
    const started = await startMicroservice(
      module,
      strategy === 'nest-redis'
        ? { transport: Transport.REDIS, options: { host, port } }
        : { strategy: new SentinelServer(strategy) },
    );
    apps.push(started.app);
    return started;
  };

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1 });
    probe = await createSentinel(topology.sentinelAddresses);
    redis = probe.masterFor(topology.service);
  });
  // Each test's apps and clients are closed after it, so no other server answers the next test's requests.
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const app of apps.splice(0)) await app.close();
  });
  after(async () => {
    await closeSentinel(probe);
    await topology?.stop();
  });

  test('request/response and events through SentinelServer + SentinelClient; status and unwrap()', async () => {
    const { app, events } = await serve(MathModule, options());
    const math = client();
    const statuses: string[] = [];
    math.status.subscribe((s) => statuses.push(s));
    assert.equal(await firstValueFrom(math.send('math.sum', [1, 2, 3])), 6);
    assert.deepEqual(await firstValueFrom(math.send({ cmd: 'echo' }, { a: [1, 'b'] })), { a: [1, 'b'] });
    const sums = await Promise.all(Array.from({ length: 20 }, (_, i) => firstValueFrom(math.send('math.sum', [i, i]))));
    assert.deepEqual(
      sums,
      Array.from({ length: 20 }, (_, i) => 2 * i),
    );
    const failed = await rejection(firstValueFrom(math.send('math.fail', {})));
    assert.match(JSON.stringify(failed), /handler failed on purpose|Internal server error/);
    await lastValueFrom(math.emit('math.event', { n: 1 }), { defaultValue: undefined });
    await waitFor('the event to reach its handler', () => events.length === 1);
    assert.deepEqual(events, [{ channel: 'math.event', data: { n: 1 } }]);
    assert.deepEqual(statuses, ['connected']);
    assert.equal(typeof math.unwrap<RedisSentinel>().masterFor, 'function');
    const sentinel = app.unwrap<RedisSentinel>();
    assert.equal(sentinel.closed, false, 'app.unwrap() gives the RedisSentinel under SentinelServer');
    assert.deepEqual(sentinel.masterFor(topology.service).address, await topology.masterAddress());
    // Once a request settles its reply channel is unsubscribed (no subscription left behind).
    await waitFor('the reply channels to be released', async () => {
      const channels = (await redis.execute('PUBSUB', 'CHANNELS', 'math.*')) as string[];
      return !channels.some((c) => c.endsWith('.reply'));
    });
  });

  test('ClientsModule.register with customClass: SentinelClient; a wildcards server routes users.* and audit.*', async () => {
    const { events } = await serve(WildcardModule, { ...options(), wildcards: true });
    const moduleRef = await Test.createTestingModule({
      imports: [ClientsModule.register([{ name: 'USERS', customClass: SentinelClient, options: options() }])],
    }).compile();
    const users = moduleRef.get<SentinelClient>('USERS');
    clients.push(users);
    assert.ok(users instanceof SentinelClient);
    assert.deepEqual(await firstValueFrom(users.send('users.42', { id: 42 })), {
      channel: 'users.42',
      data: { id: 42 },
    });
    assert.deepEqual(await firstValueFrom(users.send('users.ada', 'x')), { channel: 'users.ada', data: 'x' });
    await lastValueFrom(users.emit('audit.login', { who: 'ada' }), { defaultValue: undefined });
    await waitFor('the wildcard event to arrive', () => events.some((e) => e.channel === 'audit.login'));
    assert.deepEqual(
      events.filter((e) => e.channel === 'audit.login'),
      [{ channel: 'audit.login', data: { who: 'ada' } }],
    );
    const patterns = (await redis.execute('PUBSUB', 'NUMPAT')) as number;
    assert.ok(patterns >= 2, `the server PSUBSCRIBEs its patterns (NUMPAT ${patterns})`);
    await moduleRef.close();
  });

  test('wire format: our client -> Nest Redis server, and the raw packets are Nest packets', async () => {
    const { events } = await serve(MathModule, 'nest-redis');
    const math = client();
    // What our client publishes, seen by a plain subscriber: the JSON Nest's client would send.
    const seen: string[] = [];
    const spy = probe.masterFor(topology.service);
    await spy.subscribe(['math.sum', 'math.sum.reply', 'math.event'], (message, channel) =>
      seen.push(`${channel} ${String(message)}`),
    );
    assert.equal(await firstValueFrom(math.send('math.sum', [20, 22])), 42);
    await lastValueFrom(math.emit('math.event', 'via-nest-server'), { defaultValue: undefined });
    await waitFor('the event on the Nest server', () => events.some((e) => e.data === 'via-nest-server'));
    await waitFor('the spy to see request, reply and event', () => seen.length >= 3);
    await spy.unsubscribe('math.sum', 'math.sum.reply', 'math.event');
    const request = seen.find((s) => s.startsWith('math.sum '))!;
    const packet = JSON.parse(request.slice('math.sum '.length)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(packet).toSorted(), ['data', 'id', 'pattern']);
    assert.equal(packet.pattern, 'math.sum');
    const reply = JSON.parse(
      seen.find((s) => s.startsWith('math.sum.reply '))!.slice('math.sum.reply '.length),
    ) as Record<string, unknown>;
    assert.equal(reply.id, packet.id);
    assert.equal(reply.response, 42);
    assert.equal(reply.isDisposed, true);
    const event = JSON.parse(seen.find((s) => s.startsWith('math.event '))!.slice('math.event '.length)) as Record<
      string,
      unknown
    >;
    assert.deepEqual(event, { pattern: 'math.event', data: 'via-nest-server' }, 'events carry no id');
  });

  test("wire format: Nest's Redis client -> SentinelServer", async () => {
    const { events } = await serve(MathModule, options());
    const [host, port] = await topology.masterAddress();
    const nest = ClientProxyFactory.create({ transport: Transport.REDIS, options: { host, port } });
    clients.push(nest);
    assert.equal(await firstValueFrom(nest.send('math.sum', [2, 3])), 5);
    assert.deepEqual(await firstValueFrom(nest.send({ cmd: 'echo' }, ['x'])), ['x']);
    await lastValueFrom(nest.emit('math.event', 'from-nest-client'), { defaultValue: undefined });
    await waitFor('the event from Nest', () => events.some((e) => e.data === 'from-nest-client'));
  });

  test('requestTimeout: a pattern nobody serves rejects TimeoutError and releases its reply channel', async () => {
    const math = client({ requestTimeout: 500 });
    const started = performance.now();
    const error = await within(
      10_000,
      'the unanswered request',
      rejection(firstValueFrom(math.send('nobody.home', 1))),
    );
    const ms = performance.now() - started;
    assert.ok(error instanceof TimeoutError, `got ${String(error)}`);
    assert.ok(ms >= 450, `rejected after ${ms.toFixed(0)} ms, before requestTimeout`);
    await waitFor('nobody.home.reply to be unsubscribed', async () => {
      const channels = (await redis.execute('PUBSUB', 'CHANNELS', 'nobody.home.reply')) as string[];
      return channels.length === 0;
    });
  });

  test('close() rejects a request in flight with ConnectionClosedError, also while connecting; connect() after close() works', async () => {
    await serve(MathModule, options());
    const math = client();
    const pending = rejection(firstValueFrom(math.send('math.slow', 5_000)));
    await waitFor('the request to be published', async () => {
      const subs = (await redis.execute('PUBSUB', 'NUMSUB', 'math.slow.reply')) as [string, number];
      return Number(subs[1]) > 0;
    });
    await math.close();
    const error = await within(5_000, 'the pending request', pending);
    assert.ok(error instanceof ConnectionClosedError, `got ${String(error)}`);
    // close() while connecting: connect() rejects and the sentinel it was opening is closed, not kept.
    const late = client();
    const connecting = rejection(late.connect());
    await late.close();
    assert.ok((await connecting) instanceof ConnectionClosedError);
    assert.throws(() => late.unwrap(), /not connected/);
    // connect() again after close() works (as Nest's Redis client does).
    assert.equal(await firstValueFrom(math.send('math.sum', [1, 1])), 2);
    assert.deepEqual(await lastValueFrom(math.send('math.count', 3).pipe(toArray())), [1, 2, 3], 'a stream of replies');
  });

  test('bad options are refused at construction', () => {
    assert.throws(() => new SentinelClient({ sentinels: topology.sentinelAddresses, service: '' }), TypeError);
    assert.throws(
      () => new SentinelServer({ sentinels: topology.sentinelAddresses, service: 's', requestTimeout: -1 }),
      TypeError,
    );
  });
});
