import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Provider, Type } from '@nestjs/common';
import type { SentinelOptions } from '../sentinel/options.js';
import type { AddressInput, Logger } from '../types.js';

/** Which client of a service: its master, or one of its healthy replicas. */
export type RedisRole = 'master' | 'slave';

/** A service with the clients to register for it (default: `['master']`). */
export interface SentinelServiceOptions {
  name: string;
  roles?: readonly RedisRole[];
}

/** A service name (its master client only) or `{ name, roles }`. */
export type SentinelServiceConfig = string | SentinelServiceOptions;

/** What the options provider resolves to: where the sentinels are, and how to talk to them. */
export interface SentinelModuleOptions extends Omit<SentinelOptions, 'logger'> {
  /** Sentinel addresses: `[host, port]`, `{ host, port }`, `'host:port'`, `'redis://host:port'`, `'rediss://host:port'`. */
  sentinels: readonly AddressInput[];
  /**
   * Start without waiting for the sentinels: start-up never fails on them, the module connects in the
   * background (retrying), and the first command connects on demand. Default false.
   */
  lazyConnect?: boolean;
  /** Bound on closing everything at application shutdown, in ms. Default 5 000. */
  shutdownTimeout?: number;
  /** Where discovery and failover events go. Default: Nest's Logger (context `SentinelModule`); `false` for none. */
  logger?: Logger | false;
}

/** Names that decide tokens: known when the module is defined, never from the async factory. */
export interface SentinelModuleRegistration {
  /** Services whose clients become injectable (`@InjectRedis(name, role)`). */
  services?: readonly SentinelServiceConfig[];
  /** Keeps the tokens of several Sentinel deployments apart. Default `'default'`. */
  connectionName?: string;
  /** Register the providers globally. Default true. */
  isGlobal?: boolean;
}

export interface SentinelModuleForRootOptions extends SentinelModuleOptions, SentinelModuleRegistration {}

/** A class that builds the options (`useClass`, `useExisting`). */
export interface SentinelOptionsFactory {
  createSentinelOptions(connectionName?: string): Promise<SentinelModuleOptions> | SentinelModuleOptions;
}

export interface SentinelModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'>, SentinelModuleRegistration {
  useFactory?: (...args: any[]) => Promise<SentinelModuleOptions> | SentinelModuleOptions;
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useClass?: Type<SentinelOptionsFactory>;
  useExisting?: Type<SentinelOptionsFactory>;
  /** Providers the factory may need, registered in the core module. */
  extraProviders?: Provider[];
}
