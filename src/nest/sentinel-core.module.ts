import { Inject, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { SENTINEL_CONNECTION } from './sentinel.constants.js';
import type {
  SentinelModuleAsyncOptions,
  SentinelModuleForRootOptions,
  SentinelModuleOptions,
  SentinelOptionsFactory,
} from './sentinel.interfaces.js';
import {
  createClassAliases,
  createConnectionProviders,
  normalizeServices,
  type SentinelConnection,
} from './sentinel.providers.js';
import { closeSentinelConnection } from './sentinel.shutdown.js';
import { connectionNameOf, getSentinelOptionsToken } from './sentinel.tokens.js';

/**
 * Owns one Sentinel deployment (one connection name): its options, pool, RedisSentinel and clients,
 * and closes them at application shutdown. Global unless `isGlobal: false` (set through the dynamic
 * module's `global`, since a `@Global()` decorator could not be opted out of).
 */
@Module({})
export class SentinelCoreModule implements OnApplicationShutdown {
  constructor(@Inject(SENTINEL_CONNECTION) private readonly connection: SentinelConnection) {}

  static forRoot(options: SentinelModuleForRootOptions): DynamicModule {
    const connectionName = connectionNameOf(options.connectionName);
    const optionsProvider: Provider = { provide: getSentinelOptionsToken(connectionName), useValue: options };
    return SentinelCoreModule.assemble(options.isGlobal, connectionName, options.services, [optionsProvider], []);
  }

  static forRootAsync(options: SentinelModuleAsyncOptions): DynamicModule {
    const connectionName = connectionNameOf(options.connectionName);
    const token = getSentinelOptionsToken(connectionName);
    const ways = [options.useFactory, options.useClass, options.useExisting].filter((w) => w !== undefined).length;
    if (ways !== 1) {
      throw new TypeError('SentinelModule.forRootAsync needs exactly one of useFactory, useClass or useExisting');
    }
    const fromFactory = (factory: SentinelOptionsFactory): Promise<SentinelModuleOptions> | SentinelModuleOptions =>
      factory.createSentinelOptions(connectionName);
    const providers: Provider[] = [];
    if (options.useFactory !== undefined) {
      providers.push({ provide: token, useFactory: options.useFactory, inject: options.inject ?? [] });
    } else if (options.useClass !== undefined) {
      providers.push({ provide: options.useClass, useClass: options.useClass });
      providers.push({ provide: token, useFactory: fromFactory, inject: [options.useClass] });
    } else {
      providers.push({ provide: token, useFactory: fromFactory, inject: [options.useExisting!] });
    }
    providers.push(...(options.extraProviders ?? []));
    return SentinelCoreModule.assemble(
      options.isGlobal,
      connectionName,
      options.services,
      providers,
      options.imports ?? [],
    );
  }

  private static assemble(
    isGlobal: boolean | undefined,
    connectionName: string,
    services: SentinelModuleForRootOptions['services'],
    optionProviders: Provider[],
    imports: NonNullable<SentinelModuleAsyncOptions['imports']>,
  ): DynamicModule {
    const connectionProviders = createConnectionProviders(connectionName, normalizeServices(services));
    const aliases = createClassAliases(connectionName);
    const exported = [
      ...connectionProviders.map((p) => p.provide).filter((t) => t !== SENTINEL_CONNECTION),
      ...aliases,
    ];
    return {
      module: SentinelCoreModule,
      global: isGlobal ?? true,
      imports,
      providers: [...optionProviders, ...connectionProviders, ...aliases],
      exports: exported,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await closeSentinelConnection(this.connection);
  }
}
