import { createConnection } from '../connection/connection.js';
import { toText } from '../text.js';
import { withTimeout } from '../timeout.js';
import type { Address } from '../types.js';

type Connection = Awaited<ReturnType<typeof createConnection>>;

export interface TalkOptions {
  password?: string;
  username?: string;
  /** Bound for connecting and running `fn`, in ms. Default 2 000. */
  timeoutMs?: number;
}

/** Closes without throwing, and waits briefly for the socket so tests leave no open handles. */
async function closeQuietly(conn: Connection): Promise<void> {
  try {
    conn.close();
  } catch {
    // Already closed: nothing left to release.
  }
  // A paused (SIGSTOPped) peer must not make cleanup hang, hence the cap.
  await withTimeout(conn.waitClosed(), 500, 'closing').catch(() => undefined);
}

/**
 * Opens one connection with the project's own client, runs `fn`, and always closes it. The whole
 * exchange is bounded by `timeoutMs` because a paused or dying server would otherwise hang a poll.
 */
export async function withConnection<T>(
  address: Address,
  options: TalkOptions,
  fn: (conn: Connection) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  let settled = false;
  let conn: Connection | undefined;
  const connecting = createConnection(address, {
    password: options.password,
    username: options.username,
    connectTimeout: timeoutMs,
  });
  // A connection that arrives after we gave up is closed at once, not leaked.
  void connecting.then(
    (c) => {
      if (settled) void closeQuietly(c);
    },
    () => undefined,
  );
  try {
    return await withTimeout(
      (async () => {
        conn = await connecting;
        if (settled) throw new Error('timed out');
        return await fn(conn);
      })(),
      timeoutMs,
      `An exchange with ${String(address?.[0])}:${String(address?.[1])}`,
    );
  } finally {
    settled = true;
    if (conn) await closeQuietly(conn);
  }
}

/** Runs one command on a fresh connection. */
export function command(
  address: Address,
  options: TalkOptions,
  name: string,
  ...args: (string | number)[]
): Promise<unknown> {
  return withConnection(address, options, (conn) => conn.execute(name, ...args));
}

/** Parses an INFO reply (`key:value` lines, `# Section` headers) into a record. */
export function parseInfo(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of toText(reply).split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

/** Turns the flat `[key, value, key, value, ...]` arrays of SENTINEL MASTER/REPLICAS into a record. */
export function pairsToRecord(reply: unknown): Record<string, string> {
  if (!Array.isArray(reply)) throw new Error(`Expected an array of fields, got ${JSON.stringify(reply)}`);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[toText(reply[i])] = toText(reply[i + 1]);
  return out;
}

/** Reads `[host, port]` from a GET-MASTER-ADDR-BY-NAME reply; `null` for an unknown service. */
export function parseAddressReply(reply: unknown): Address | null {
  if (!Array.isArray(reply) || reply.length < 2) return null;
  return [toText(reply[0]), Number(toText(reply[1]))];
}
