import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { SentinelModule } from '../../src/index.js';
import { SentinelHealthModule } from '../../src/health/index.js';
import { AppController } from './app.controller.js';
import { SERVICE, type SampleAppConfig } from './config.js';
import { HealthController } from './health.controller.js';
import { RedisErrorFilter } from './redis-error.filter.js';

@Module({})
export class AppModule {
  static forRoot(config: SampleAppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SentinelModule.forRoot({
          sentinels: config.sentinels,
          services: [{ name: SERVICE, roles: ['master', 'slave'] }],
          ...(config.clientLogger !== undefined && { logger: config.clientLogger }),
          ...(config.failoverTimeout !== undefined && { failoverTimeout: config.failoverTimeout }),
        }),
        TerminusModule,
        SentinelHealthModule,
      ],
      controllers: [AppController, HealthController],
      providers: [{ provide: APP_FILTER, useClass: RedisErrorFilter }],
    };
  }
}
