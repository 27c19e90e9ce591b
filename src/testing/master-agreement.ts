import { sameAddress } from '../address.js';
import { ReplyError } from '../errors.js';
import type { Address } from '../types.js';
import { command, parseAddressReply } from './commands.js';
import type { SentinelServer } from './redis-server.js';

/** How long `masterAddress()` waits for the running sentinels to name the same master. */
export const AGREEMENT_TIMEOUT_MS = 10_000;

export class NoSentinelRunningError extends Error {
  constructor() {
    super('No sentinel is running');
  }
}

export class UnknownServiceError extends Error {
  constructor(service: string) {
    super(`The sentinels do not know the service ${JSON.stringify(service)}`);
  }
}

/**
 * The master address that every running sentinel which answers reports for `service`; `undefined` while
 * they disagree (a sentinel restarted or resumed still names the master it knew until it hears of the
 * last failover, within a hello period). A sentinel that does not answer is left out; an error reply is
 * final; a service no sentinel knows is an UnknownServiceError.
 */
export async function agreedMaster(
  sentinels: readonly SentinelServer[],
  password: string | undefined,
  service: string,
): Promise<Address | undefined> {
  const asked = sentinels.filter((s) => s.running && !s.paused);
  if (asked.length === 0) throw new NoSentinelRunningError();
  const replies = await Promise.allSettled(
    asked.map(async (s) =>
      parseAddressReply(
        await command(s.address, { password, timeoutMs: 1_000 }, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', service),
      ),
    ),
  );
  const failed = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed && failed.reason instanceof ReplyError) throw failed.reason;
  const reported = replies.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (reported.length === 0) throw failed?.reason;
  if (reported.every((a) => a === null)) throw new UnknownServiceError(service);
  const first = reported[0];
  return first && reported.every((a) => sameAddress(a, first)) ? first : undefined;
}

/** A failure worth polling again: not an error reply, a missing sentinel or an unknown service. */
export function isTransient(error: unknown): boolean {
  return !(
    error instanceof ReplyError ||
    error instanceof NoSentinelRunningError ||
    error instanceof UnknownServiceError
  );
}
