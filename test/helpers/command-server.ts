// One server per family test file and kind, with a pooled client: `const s = useServer(kind)` inside a
// describe(), then `s.redis` in the tests. Started in before(), stopped by pid in after().
import { after, before } from 'node:test';
import { createRedisPool, type Redis } from '../../src/client/redis.js';
import type { RedisServer, RedisServerOptions } from '../../src/testing/index.js';
import { startServer, type ServerKind } from './server-kinds.js';

export interface ServerUnderTest {
  readonly server: RedisServer;
  readonly redis: Redis;
  /** Whether the server knows a command or `container|subcommand` (COMMAND INFO), for newer commands. */
  has(command: string): Promise<boolean>;
}

export function useServer(kind: ServerKind, options: RedisServerOptions = {}): ServerUnderTest {
  let server: RedisServer | undefined;
  let redis: Redis | undefined;
  before(async () => {
    server = await startServer(kind, options);
    redis = await createRedisPool(server.address, { minsize: 1, maxsize: 4 });
  });
  after(async () => {
    redis?.close();
    await redis?.waitClosed();
    await server?.stop();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('server not started');
      return server;
    },
    get redis() {
      if (redis === undefined) throw new Error('client not connected');
      return redis;
    },
    async has(command) {
      const [info] = await this.redis.commandInfo(command);
      return info !== null;
    },
  };
}
