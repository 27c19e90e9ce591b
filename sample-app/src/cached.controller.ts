import { Controller, Get, Inject, Param } from '@nestjs/common';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';

/** How long a loaded value stays in the cache (ms). */
export const CACHE_TTL_MS = 60_000;

export interface CachedReply {
  key: string;
  value: string;
  /** true: read from the cache; false: loaded now and stored with CACHE_TTL_MS. */
  cached: boolean;
}

/** `GET /cached/:key` through @nestjs/cache-manager over SentinelKeyvStore (the master client). */
@Controller('cached')
export class CachedController {
  constructor(@Inject(CACHE_MANAGER) private readonly cache: Cache) {}

  @Get(':key')
  async get(@Param('key') key: string): Promise<CachedReply> {
    const hit = await this.cache.get<string>(key);
    if (hit !== undefined && hit !== null) return { key, value: hit, cached: true };
    // Stands for an expensive load (a database query, a remote call).
    const value = `${key} loaded at ${new Date().toISOString()}`;
    await this.cache.set(key, value, CACHE_TTL_MS);
    return { key, value, cached: false };
  }
}
