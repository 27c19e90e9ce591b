import { randomBytes } from 'node:crypto';

/** A key prefix of its own for one test, so tests sharing a server never see each other's keys. */
export function uniq(name: string): string {
  return `${name}:${randomBytes(4).toString('hex')}`;
}

/** Settles like `promise`, or rejects naming `what` when it takes longer than `ms` (the timer is cleared either way). */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves the rejection reason of `promise`; fails when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('expected a rejection, got')) throw error;
    return error as Error;
  }
}

/** Milliseconds `fn` took to settle (resolved or rejected), with its outcome. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown; ok: boolean }> {
  const t0 = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - t0, value, ok: true };
  } catch (error) {
    return { ms: performance.now() - t0, error, ok: false };
  }
}

/**
 * "Quickly" without a clock a loaded machine can break: a client given LONG_TIMEOUT_MS (as its
 * failoverTimeout, connectTimeout, ...) must settle within NO_WAIT_BOUND_MS, so exceeding the bound
 * means it waited for that timeout, not that the machine was slow.
 */
export const LONG_TIMEOUT_MS = 60_000;
export const NO_WAIT_BOUND_MS = 20_000;
