import { Module, type DynamicModule } from '@nestjs/common';
import { SentinelCoreModule } from './sentinel-core.module.js';
import type { SentinelModuleAsyncOptions, SentinelModuleForRootOptions } from './sentinel.interfaces.js';

/**
 * The public module: `SentinelModule.forRoot({ sentinels, services })` or
 * `SentinelModule.forRootAsync({ services, imports, inject, useFactory | useClass | useExisting })`.
 * Clients are injected with `@InjectRedis(name, role)`; everything closes at application shutdown.
 */
@Module({})
export class SentinelModule {
  static forRoot(options: SentinelModuleForRootOptions): DynamicModule {
    const core = SentinelCoreModule.forRoot(options);
    return { module: SentinelModule, imports: [core], exports: [core] };
  }

  static forRootAsync(options: SentinelModuleAsyncOptions): DynamicModule {
    const core = SentinelCoreModule.forRootAsync(options);
    return { module: SentinelModule, imports: [core], exports: [core] };
  }
}
