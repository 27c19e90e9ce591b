// SentinelModule.forRootAsync({ extraProviders }): providers given there are injectable into the options
// factory (useFactory's inject, useClass's constructor), with nothing else providing them.
import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Inject, Injectable, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from '../../src/client/redis.js';
import { SentinelModule, getRedisToken, type SentinelModuleOptions } from '../../src/nest/index.js';
import { SentinelTopology } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { uniq } from '../helpers/util.js';

const SERVICE = 'mymaster';
const SETTINGS = 'NEST_PROVIDERS_TEST_SETTINGS';

interface Settings {
  sentinels: Address[];
}

/** Known only through extraProviders: the options class needs it in its constructor. */
@Injectable()
class SettingsSource {
  static sentinels: Address[] = [];
  readonly sentinels = SettingsSource.sentinels;
}

@Injectable()
class OptionsFromSource {
  constructor(private readonly source: SettingsSource) {}
  createSentinelOptions(): SentinelModuleOptions {
    return { sentinels: this.source.sentinels, logger: false };
  }
}

/** Same as OptionsFromSource, through a string token. */
@Injectable()
class OptionsFromToken {
  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}
  createSentinelOptions(): SentinelModuleOptions {
    return { sentinels: this.settings.sentinels, logger: false };
  }
}

async function using(app: INestApplicationContext, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } finally {
    await app.close();
  }
}

describe('SentinelModule.forRootAsync extraProviders', () => {
  let topology: SentinelTopology;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 0, sentinels: 1 });
    SettingsSource.sentinels = topology.sentinelAddresses;
  });

  after(async () => {
    await topology?.stop();
  });

  async function checkMaster(app: INestApplicationContext): Promise<void> {
    const master = app.get<Redis>(getRedisToken(SERVICE));
    assert.equal(await master.incr(uniq('extra')), 1);
    assert.deepEqual(master.address, topology.master.address);
  }

  test('useFactory: a value given in extraProviders is what the factory receives', async () => {
    const settings: Settings = { sentinels: topology.sentinelAddresses };
    const received: unknown[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        SentinelModule.forRootAsync({
          services: [SERVICE],
          inject: [SETTINGS],
          useFactory: (s: Settings) => {
            received.push(s);
            return { sentinels: s.sentinels, logger: false };
          },
          extraProviders: [{ provide: SETTINGS, useValue: settings }],
        }),
      ],
    }).compile();
    await using(moduleRef, async () => {
      assert.equal(received.length, 1);
      assert.equal(received[0], settings);
      await checkMaster(moduleRef);
    });
  });

  test('useClass: the options class gets its constructor dependencies from extraProviders', async () => {
    for (const [useClass, extra] of [
      [OptionsFromSource, [SettingsSource]],
      [OptionsFromToken, [{ provide: SETTINGS, useValue: { sentinels: topology.sentinelAddresses } }]],
    ] as const) {
      const moduleRef = await Test.createTestingModule({
        imports: [SentinelModule.forRootAsync({ services: [SERVICE], useClass, extraProviders: [...extra] })],
      }).compile();
      await using(moduleRef, () => checkMaster(moduleRef));
    }
  });

  test('without extraProviders the same module cannot resolve the factory argument', async () => {
    await assert.rejects(
      Test.createTestingModule({
        imports: [
          SentinelModule.forRootAsync({
            services: [SERVICE],
            inject: [SETTINGS],
            useFactory: (s: Settings) => ({ sentinels: s.sentinels, logger: false }),
          }),
        ],
      }).compile(),
      (error: Error) => {
        // Nest names the missing argument and the module whose context lacks it.
        assert.match(error.message, new RegExp(`argument "?${SETTINGS}"? at index \\[0\\]`));
        assert.match(error.message, /SentinelCoreModule/);
        return true;
      },
    );
  });
});
