import { createServer } from 'node:net';

/**
 * A TCP port that is free on 127.0.0.1 right now. The kernel picks it (port 0), so parallel test files
 * do not collide on fixed ports; another process may still take it before it is used, which
 * `RedisServer.start` handles by retrying on a fresh port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => {
        if (err) reject(err);
        else if (port > 0) resolve(port);
        else reject(new Error('freePort: the kernel returned no port'));
      });
    });
  });
}
