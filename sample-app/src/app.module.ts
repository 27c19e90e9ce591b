import { Module, type DynamicModule } from '@nestjs/common';
import { CacheModule } from '@nestjs/cache-manager';
import { APP_FILTER } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { Keyv } from 'keyv';
import { SentinelModule, getRedisToken, type Redis } from '../../src/index.js';
import { SentinelKeyvStore } from '../../src/cache/index.js';
import { SentinelHealthModule } from '../../src/health/index.js';
import { SentinelClient } from '../../src/microservices/index.js';
import { SentinelThrottlerStorage } from '../../src/throttler/index.js';
import { AppController } from './app.controller.js';
import { CachedController } from './cached.controller.js';
import { SERVICE, type SampleAppConfig } from './config.js';
import { HealthController } from './health.controller.js';
import { LIMIT, LimitedController } from './limited.controller.js';
import { RedisErrorFilter } from './redis-error.filter.js';
import { SumController, WORKER } from './sum.controller.js';

/** ms `GET /sum` waits for the worker's reply. */
const SUM_TIMEOUT_MS = 5_000;

@Module({})
export class AppModule {
  static forRoot(config: SampleAppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SentinelModule.forRoot({
          sentinels: config.sentinels,
          services: [{ name: SERVICE, roles: ['master', 'slave'] }],
          // Reads go to the master while no replica is healthy: a failover can leave none for 10 s or more
          // (a dead master is not a replica, and a demoted one is reconfigured by Sentinel 8-10 s later).
          replicaFallback: 'master',
          ...(config.clientLogger !== undefined && { logger: config.clientLogger }),
          ...(config.failoverTimeout !== undefined && { failoverTimeout: config.failoverTimeout }),
        }),
        // The cache and the throttler keep their keys on the master, through the module's master client.
        // throwOnErrors: a Redis error reaches the filter (503) instead of reading as a cache miss.
        CacheModule.registerAsync({
          inject: [getRedisToken(SERVICE)],
          useFactory: (redis: Redis) => ({
            stores: [new Keyv({ store: new SentinelKeyvStore(redis), namespace: 'sample:cache', throwOnErrors: true })],
          }),
        }),
        ThrottlerModule.forRootAsync({
          inject: [getRedisToken(SERVICE)],
          useFactory: (redis: Redis) => ({
            throttlers: [{ name: 'limited', ...LIMIT }],
            storage: new SentinelThrottlerStorage(redis),
          }),
        }),
        ClientsModule.register([
          {
            name: WORKER,
            customClass: SentinelClient,
            options: {
              sentinels: config.sentinels,
              service: SERVICE,
              requestTimeout: SUM_TIMEOUT_MS,
              ...(config.failoverTimeout !== undefined && { failoverTimeout: config.failoverTimeout }),
            },
          },
        ]),
        TerminusModule,
        SentinelHealthModule,
      ],
      controllers: [AppController, CachedController, LimitedController, SumController, HealthController],
      providers: [{ provide: APP_FILTER, useClass: RedisErrorFilter }],
    };
  }
}
