import type { SentinelConnection } from './sentinel.providers.js';

const TIMED_OUT = Symbol('timed out');

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Waits for `promise` at most `ms`; never rejects and leaves no timer behind. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise.then(() => undefined), timeout]);
  } catch (err) {
    return err instanceof Error ? err : new Error(message(err));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a connection's clients, then its pool (managed pools, then sentinel sockets), then the
 * RedisSentinel, in that order. Every `close()` is called even when time runs out; the waits share one
 * `shutdownTimeout`. Logs and swallows every error: it never throws and never hangs.
 */
export async function closeSentinelConnection(connection: SentinelConnection): Promise<void> {
  const { shutdownTimeout } = connection;
  // A throwing logger must not make shutdown throw either.
  const warn = (text: string): void => {
    try {
      connection.logger?.warn?.(text);
    } catch {
      // nothing left to report to
    }
  };
  const deadline = Date.now() + shutdownTimeout;
  const late: string[] = [];

  const step = async (what: string, close: () => void, waitClosed: () => Promise<unknown>): Promise<void> => {
    try {
      close();
    } catch (err) {
      warn(`Closing ${what} failed: ${message(err)}`);
    }
    let waiting: Promise<unknown>;
    try {
      waiting = waitClosed();
    } catch (err) {
      waiting = Promise.reject(err);
    }
    const outcome = await bounded(waiting, deadline - Date.now());
    if (outcome === TIMED_OUT) late.push(what);
    else if (outcome instanceof Error) warn(`Waiting for ${what} to close failed: ${outcome.message}`);
  };

  try {
    const { clients, pool, sentinel } = connection;
    await step(
      clients.length === 1 ? 'the client' : `${clients.length} clients`,
      () => {
        for (const { token, client } of clients) {
          try {
            client.close();
          } catch (err) {
            warn(`Closing ${token} failed: ${message(err)}`);
          }
        }
      },
      () => Promise.allSettled(clients.map(({ client }) => client.waitClosed())),
    );
    await step(
      'the sentinel pool',
      () => pool.close(),
      () => pool.waitClosed(),
    );
    await step(
      'the sentinel connections',
      () => sentinel.close(),
      () => sentinel.waitClosed(),
    );
    if (late.length > 0) {
      warn(`${late.join(', ')} did not close within shutdownTimeout (${shutdownTimeout} ms); shutdown goes on`);
    }
  } catch (err) {
    warn(`Shutdown failed: ${message(err)}`);
  }
}
