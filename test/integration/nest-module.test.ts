import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Inject, Injectable, Module, Optional, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from '../../src/client/redis.js';
import { PoolClosedError, SentinelConnectionError } from '../../src/errors.js';
import {
  InjectRedis,
  InjectSentinel,
  InjectSentinelPool,
  SentinelModule,
  getRedisToken,
  getSentinelPoolToken,
  getSentinelToken,
  type SentinelModuleForRootOptions,
  type SentinelModuleOptions,
  type SentinelOptionsFactory,
} from '../../src/nest/index.js';
import { RedisSentinel } from '../../src/sentinel/redis-sentinel.js';
import { SentinelPool } from '../../src/sentinel/sentinel-pool.js';
import { SentinelTopology, freePort, waitFor } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { NO_WAIT_BOUND_MS, within } from '../helpers/util.js';

const SERVICE = 'mymaster';

/** A ConfigModule-like provider: the factory gets the sentinel addresses from it. */
@Injectable()
class ConfigService {
  static values: Record<string, unknown> = {};
  get<T>(key: string): T {
    if (!(key in ConfigService.values)) throw new Error(`missing config ${key}`);
    return ConfigService.values[key] as T;
  }
}

/** Builds the options from ConfigService (for useClass / useExisting). */
@Injectable()
class SentinelConfig implements SentinelOptionsFactory {
  constructor(private readonly config: ConfigService) {}
  createSentinelOptions(): SentinelModuleOptions {
    return { sentinels: this.config.get('sentinels'), logger: false };
  }
}

@Module({ providers: [ConfigService, SentinelConfig], exports: [ConfigService, SentinelConfig] })
class ConfigModule {}

@Injectable()
class CounterService {
  constructor(
    @InjectRedis(SERVICE) readonly master: Redis,
    @InjectRedis(SERVICE, 'slave') readonly replica: Redis,
    @InjectSentinel() readonly sentinel: RedisSentinel,
    @InjectSentinelPool() readonly pool: SentinelPool,
  ) {}
}

/** The core module inside what SentinelModule.forRoot returns. */
function coreOf(module: DynamicModule): DynamicModule {
  return module.imports![0] as DynamicModule;
}

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'ConnectWrap').length;
}

function sameAddress(a: Address | null, b: Address): boolean {
  return a !== null && a[0] === b[0] && a[1] === b[1];
}

/** forRoot options for the master of SERVICE, with `isGlobal` only when given (undefined: the default). */
function moduleOptions(sentinels: Address[], isGlobal?: boolean): SentinelModuleForRootOptions {
  return {
    sentinels,
    services: [{ name: SERVICE, roles: ['master'] }],
    logger: false,
    ...(isGlobal === undefined ? {} : { isGlobal }),
  };
}

/** Matches Nest's error for a token that no provider in the context answers to, naming that token. */
function notProvided(token: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof Error, String(err));
    assert.ok(err.message.includes(`Nest could not find ${token} element`), err.message);
    return true;
  };
}

/** Closes a Nest context at the end of a test even when an assertion failed. */
async function using<T extends INestApplicationContext>(app: T, fn: (app: T) => Promise<void>): Promise<void> {
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

/** SET on the master, then poll the replica (replication is asynchronous) until it has the value. */
async function writeAndReadBack(master: Redis, replica: Redis, key: string): Promise<void> {
  const value = `v-${Math.random()}`;
  assert.equal(await master.set(key, value), 'OK');
  assert.equal(await master.get(key), value);
  const seen = await waitFor(
    `${key} to reach the replica`,
    async () => ((await replica.get(key)) === value ? value : undefined),
    {
      timeoutMs: 5_000,
    },
  );
  assert.equal(seen, value);
}

describe('SentinelModule', () => {
  let topology: SentinelTopology;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1 });
    ConfigService.values = { sentinels: topology.sentinelAddresses };
  });

  after(async () => {
    await topology?.stop();
  });

  test('token helpers give readable, distinct names', () => {
    assert.equal(getRedisToken('mymaster'), 'SentinelModule:mymaster:master');
    assert.equal(getRedisToken('mymaster', 'slave'), 'SentinelModule:mymaster:slave');
    assert.equal(getRedisToken('mymaster', 'master', 'cache'), 'SentinelModule[cache]:mymaster:master');
    assert.equal(getRedisToken('mymaster', 'master', 'default'), getRedisToken('mymaster'));
    assert.equal(getSentinelToken(), 'SentinelModule:RedisSentinel');
    assert.equal(getSentinelPoolToken('cache'), 'SentinelModule[cache]:SentinelPool');
    assert.throws(() => getRedisToken('mymaster', 'replica' as never), TypeError);
    assert.throws(() => getRedisToken(''), TypeError);
  });

  test('forRoot: master and replica clients work, decorators inject the registered instances', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({
          sentinels: topology.sentinelAddresses,
          services: [{ name: SERVICE, roles: ['master', 'slave'] }],
          logger: false,
        }),
      ],
      providers: [CounterService],
    }).compile();
    await using(moduleRef, async (app) => {
      await app.init();
      const service = app.get(CounterService);
      assert.ok(service.master instanceof Redis);
      assert.equal(service.master, app.get(getRedisToken(SERVICE)));
      assert.equal(service.replica, app.get(getRedisToken(SERVICE, 'slave')));
      assert.notEqual(service.master, service.replica);
      assert.ok(service.sentinel instanceof RedisSentinel);
      assert.equal(service.sentinel.pool, service.pool);
      // The default connection also answers to the classes themselves.
      assert.equal(app.get(RedisSentinel), service.sentinel);
      assert.equal(app.get(SentinelPool), service.pool);

      await writeAndReadBack(service.master, service.replica, 'nest:forRoot');
      assert.ok(
        sameAddress(service.master.address, topology.master.address),
        `master client at ${String(service.master.address)}`,
      );
      assert.ok(topology.replicas.some((r) => sameAddress(service.replica.address, r.address)));
      assert.equal((await service.master.role()).role, 'master');
      assert.equal((await service.replica.role()).role, 'slave');
      assert.equal(await service.sentinel.ping(), 'PONG');
    });
  });

  test('forRootAsync with useFactory and inject from a config module', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        SentinelModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ sentinels: config.get<Address[]>('sentinels'), logger: false }),
          services: [{ name: SERVICE, roles: ['master', 'slave'] }],
        }),
      ],
      providers: [CounterService],
    }).compile();
    await using(moduleRef, async (app) => {
      const service = app.get(CounterService);
      await writeAndReadBack(service.master, service.replica, 'nest:forRootAsync');
    });
  });

  test('forRootAsync with useClass and useExisting', async () => {
    for (const way of ['useClass', 'useExisting'] as const) {
      const moduleRef = await Test.createTestingModule({
        imports: [
          SentinelModule.forRootAsync({
            imports: [ConfigModule],
            [way]: SentinelConfig,
            services: [SERVICE],
          }),
        ],
      }).compile();
      await using(moduleRef, async (app) => {
        const master = app.get<Redis>(getRedisToken(SERVICE));
        assert.equal(await master.incr(`nest:${way}`), 1, way);
        // Only the master was asked for: no replica client is registered.
        assert.throws(
          () => app.get(getRedisToken(SERVICE, 'slave')),
          notProvided(getRedisToken(SERVICE, 'slave')),
          way,
        );
      });
    }
  });

  test('forRootAsync refuses anything but exactly one of useFactory / useClass / useExisting', () => {
    assert.throws(() => SentinelModule.forRootAsync({ services: [SERVICE] }), TypeError);
    assert.throws(
      () => SentinelModule.forRootAsync({ useFactory: () => ({ sentinels: [] }), useClass: SentinelConfig }),
      /exactly one/,
    );
  });

  test('services are validated when the module is defined', () => {
    const sentinels = topology.sentinelAddresses;
    assert.throws(() => SentinelModule.forRoot({ sentinels, services: [SERVICE, SERVICE] }), /twice/);
    assert.throws(
      () => SentinelModule.forRoot({ sentinels, services: [{ name: SERVICE, roles: ['primary' as never] }] }),
      TypeError,
    );
    assert.throws(() => SentinelModule.forRoot({ sentinels, services: [{ name: '' }] }), TypeError);
  });

  test('isGlobal: false keeps the providers to the modules that import it', async () => {
    const sentinels = topology.sentinelAddresses;
    assert.equal(coreOf(SentinelModule.forRoot(moduleOptions(sentinels, false))).global, false);
    assert.equal(coreOf(SentinelModule.forRoot(moduleOptions(sentinels))).global, true);

    /** What a module sees of the master token: an optional dependency is undefined where it is not visible. */
    @Injectable()
    class Probe {
      constructor(@Optional() @Inject(getRedisToken(SERVICE)) readonly master: Redis | undefined) {}
    }

    for (const isGlobal of [false, undefined]) {
      const sentinelModule = SentinelModule.forRoot(moduleOptions(sentinels, isGlobal));
      @Module({ imports: [sentinelModule], providers: [Probe] })
      class FeatureWithImport {}
      @Module({ providers: [Probe] })
      class FeatureWithoutImport {}
      const moduleRef = await Test.createTestingModule({
        imports: [FeatureWithImport, FeatureWithoutImport],
      }).compile();
      await using(moduleRef, async (app) => {
        const withImport = app.select(FeatureWithImport).get(Probe, { strict: true });
        const withoutImport = app.select(FeatureWithoutImport).get(Probe, { strict: true });
        assert.notEqual(withImport, withoutImport, 'one Probe per module');
        // The importing module resolves the client and can use it, global or not.
        assert.ok(withImport.master instanceof Redis, `isGlobal ${String(isGlobal)}: importing module`);
        assert.equal(await withImport.master.ping(), 'PONG');
        if (isGlobal === false) {
          assert.equal(withoutImport.master, undefined, 'isGlobal false: the token is not visible without the import');
        } else {
          // The control: the same probe does see a global module's client.
          assert.equal(withoutImport.master, withImport.master, 'global by default: visible everywhere');
        }
      });
    }
  });

  test('a wrong address fails start-up with an error naming it, and leaves nothing open', async () => {
    const port = await freePort();
    const socketsBefore = openSockets();
    await assert.rejects(
      Test.createTestingModule({
        imports: [SentinelModule.forRoot({ sentinels: [['127.0.0.1', port]], services: [SERVICE], logger: false })],
      }).compile(),
      (err: unknown) => {
        assert.ok(err instanceof SentinelConnectionError, String(err));
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.match(err.message, /lazyConnect/);
        return true;
      },
    );
    // A refused socket is released a tick after the rejection: poll briefly.
    await waitFor('the refused sockets to be released', () => openSockets() <= socketsBefore, { timeoutMs: 1_000 });
  });

  test('lazyConnect: start-up does not wait for the sentinels; commands connect on demand', async () => {
    const port = await freePort();
    const offline = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({
          sentinels: [['127.0.0.1', port]],
          services: [SERVICE],
          lazyConnect: true,
          logger: false,
        }),
      ],
    }).compile();
    await using(offline, async (app) => {
      assert.equal(app.get<SentinelPool>(getSentinelPoolToken()).closed, false);
    });
    assert.equal(offline.get<SentinelPool>(getSentinelPoolToken()).closed, true);

    const online = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({
          sentinels: topology.sentinelAddresses,
          services: [SERVICE],
          lazyConnect: true,
          logger: false,
        }),
      ],
    }).compile();
    await using(online, async (app) => {
      assert.equal(await app.get<Redis>(getRedisToken(SERVICE)).ping(), 'PONG');
    });
  });

  test('app.close() closes the clients and the pool; a failing or stuck client does not stop it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({
          sentinels: topology.sentinelAddresses,
          services: [{ name: SERVICE, roles: ['master', 'slave'] }],
          shutdownTimeout: 300,
          logger: false,
        }),
      ],
      providers: [CounterService],
    }).compile();
    const service = moduleRef.get(CounterService);
    assert.equal(await service.master.ping(), 'PONG');
    assert.equal(await service.replica.ping(), 'PONG');
    const realClose = service.master.close.bind(service.master);
    // The master client throws on close and the replica never reports closed: shutdown still ends, bounded.
    service.master.close = () => {
      realClose();
      throw new Error('boom');
    };
    service.replica.waitClosed = () => new Promise<void>(() => undefined);
    // Without the bound (shutdownTimeout 300) the stuck waitClosed would hold app.close() forever.
    await within(NO_WAIT_BOUND_MS, 'app.close() with a stuck client', moduleRef.close());
    assert.equal(service.master.closed, true);
    assert.equal(service.replica.closed, true);
    assert.equal(service.pool.closed, true);
    assert.equal(service.sentinel.closed, true);
    await assert.rejects(service.master.get('x'), PoolClosedError);
    await service.pool.waitClosed();
  });
});

describe('SentinelModule with two deployments', () => {
  let first: SentinelTopology;
  let second: SentinelTopology;

  before(async () => {
    [first, second] = await Promise.all([
      SentinelTopology.start({ replicas: 1 }),
      SentinelTopology.start({ replicas: 1 }),
    ]);
  });

  after(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  test('connectionName keeps their tokens and clients apart', async () => {
    @Injectable()
    class TwoDeployments {
      constructor(
        @InjectRedis(SERVICE, 'master', 'first') readonly a: Redis,
        @InjectRedis(SERVICE, 'master', 'second') readonly b: Redis,
        @InjectRedis(SERVICE, 'slave', 'second') readonly bReplica: Redis,
        @InjectSentinel('first') readonly sentinelA: RedisSentinel,
        @InjectSentinelPool('second') readonly poolB: SentinelPool,
      ) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({
          connectionName: 'first',
          sentinels: first.sentinelAddresses,
          services: [SERVICE],
          logger: false,
        }),
        SentinelModule.forRootAsync({
          connectionName: 'second',
          useFactory: async () => ({ sentinels: second.sentinelAddresses, logger: false }),
          services: [{ name: SERVICE, roles: ['master', 'slave'] }],
        }),
      ],
      providers: [TwoDeployments],
    }).compile();
    await using(moduleRef, async (app) => {
      const s = app.get(TwoDeployments);
      assert.notEqual(s.a, s.b);
      assert.equal(s.a, app.get(getRedisToken(SERVICE, 'master', 'first')));
      assert.notEqual(s.sentinelA.pool, s.poolB);
      // No default connection was registered.
      assert.throws(() => app.get(getSentinelToken()), notProvided(getSentinelToken()));

      await s.a.set('which', 'first');
      await s.b.set('which', 'second');
      assert.equal(await s.a.get('which'), 'first');
      assert.equal(await s.b.get('which'), 'second');
      assert.ok(sameAddress(s.a.address, first.master.address));
      assert.ok(sameAddress(s.b.address, second.master.address));
      await waitFor('the second replica to catch up', async () => (await s.bReplica.get('which')) === 'second', {
        timeoutMs: 5_000,
      });
      assert.ok(second.replicas.some((r) => sameAddress(s.bReplica.address, r.address)));
      assert.deepEqual(await s.sentinelA.masterAddress(SERVICE), first.master.address);
    });
  });
});
