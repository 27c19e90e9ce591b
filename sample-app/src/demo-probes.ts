import type { INestApplication } from '@nestjs/common';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { ConnectionClosedError, getRedisToken, type Redis } from '../../src/index.js';
import { SentinelThrottlerStorage } from '../../src/throttler/index.js';
import { SERVICE } from './config.js';

// What a failover costs the cache and the throttler: writes acknowledged by the old master that the
// new master does not have (asynchronous replication), measured by two tight loops through the app's
// own Cache and master client.

/** ms between two probe writes. */
const PROBE_PACE_MS = 2;
const PROBE_TTL_MS = 600_000;
const PROBE_KEY = 'demo-probe';
const PROBE_THROTTLER = 'probe';

export interface ProbeResult {
  /** Writes acknowledged. */
  acknowledged: number;
  /** Writes that failed with an error saying they may have been applied (in doubt). */
  inDoubt: number;
  /** Writes that failed otherwise. */
  failed: number;
  /** Acknowledged writes the new master does not have. */
  lost: number;
  /** Only for the throttler: the count the new master has. */
  onMaster?: number;
}

function classify(err: unknown, result: ProbeResult): void {
  if (err instanceof ConnectionClosedError && err.mayHaveBeenApplied) result.inDoubt++;
  else result.failed++;
}

async function paced(signal: AbortSignal, step: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    const t0 = Date.now();
    await step();
    const wait = PROBE_PACE_MS - (Date.now() - t0);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Writes cache entries `probe:<n>` until `signal` aborts; then checks which acknowledged ones are still there. */
export async function cacheProbe(app: INestApplication, signal: AbortSignal): Promise<ProbeResult> {
  const cache = app.get<Cache>(CACHE_MANAGER);
  const result: ProbeResult = { acknowledged: 0, inDoubt: 0, failed: 0, lost: 0 };
  const written: string[] = [];
  let n = 0;
  await paced(signal, async () => {
    const key = `probe:${n}`;
    try {
      await cache.set(key, n++, PROBE_TTL_MS);
      written.push(key);
      result.acknowledged++;
    } catch (err) {
      classify(err, result);
    }
  });
  for (let i = 0; i < written.length; i += 500) {
    const chunk = written.slice(i, i + 500);
    const values = await cache.mget(chunk);
    result.lost += values.filter((v) => v === undefined || v === null).length;
  }
  return result;
}

/**
 * Increments one throttler key (long window, no limit) until `signal` aborts; then one more increment
 * tells how many hits the new master counts, against the acknowledged ones.
 */
export async function throttlerProbe(app: INestApplication, signal: AbortSignal): Promise<ProbeResult> {
  const storage = new SentinelThrottlerStorage(app.get<Redis>(getRedisToken(SERVICE)));
  const result: ProbeResult = { acknowledged: 0, inDoubt: 0, failed: 0, lost: 0 };
  const increment = (): Promise<{ totalHits: number }> =>
    storage.increment(PROBE_KEY, PROBE_TTL_MS, Number.MAX_SAFE_INTEGER, 0, PROBE_THROTTLER);
  await paced(signal, async () => {
    try {
      await increment();
      result.acknowledged++;
    } catch (err) {
      classify(err, result);
    }
  });
  const onMaster = (await increment()).totalHits - 1;
  result.onMaster = onMaster;
  // In-doubt increments may or may not be counted: only what falls short of the acknowledged ones is lost.
  result.lost = Math.max(0, result.acknowledged - onMaster);
  return result;
}
