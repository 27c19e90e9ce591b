// Which server binaries the command tests run against. The testing kit starts either kind with
// `{ server: 'redis' | 'valkey' }`; command tests loop over serverKinds() so each family is checked on
// every server we support.
import { RedisServer, type RedisServerOptions, type ServerKind } from '../../src/testing/index.js';

export type { ServerKind };

/** The kinds `npm test` runs the command tests on. */
export function serverKinds(): ServerKind[] {
  return ['redis', 'valkey'];
}

/** Starts a data node of `kind` (a free loopback port, stopped by pid with `stop()`). */
export function startServer(kind: ServerKind, options: RedisServerOptions = {}): Promise<RedisServer> {
  return RedisServer.start({ ...options, server: kind });
}
