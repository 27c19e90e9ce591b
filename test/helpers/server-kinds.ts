// Which server binaries the command tests run against. The testing kit starts either kind with
// `{ server: 'redis' | 'valkey' }`; command tests loop over serverKinds() so each family is checked on
// every server we support.
import { RedisServer, type RedisServerOptions } from '../../src/testing/index.js';

export type ServerKind = 'redis' | 'valkey';

/** The kinds `npm test` runs the command tests on. */
export function serverKinds(): ServerKind[] {
  return ['redis'];
}

/** Starts a data node of `kind` (a free loopback port, stopped by pid with `stop()`). */
export function startServer(kind: ServerKind, options: RedisServerOptions = {}): Promise<RedisServer> {
  if (kind !== 'redis') throw new Error(`server kind ${kind} is not supported yet`);
  return RedisServer.start(options);
}
