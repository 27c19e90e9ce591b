import 'reflect-metadata';
import { startApp } from './app.js';
import { parseSentinelList } from './config.js';

// SENTINELS=127.0.0.1:26379,127.0.0.1:26380 PORT=3000 node dist/sample-app/src/main.js
// (GET /sum needs the worker too: SENTINELS=... node dist/sample-app/src/worker.js; `npm run demo` starts both.)
async function main(): Promise<void> {
  const sentinels = parseSentinelList(process.env.SENTINELS ?? '127.0.0.1:26379');
  const port = Number(process.env.PORT ?? 3000);
  const { app, url } = await startApp({
    sentinels,
    port,
    host: process.env.HOST ?? '127.0.0.1',
    logger: ['log', 'warn', 'error'],
  });
  // SIGINT / SIGTERM run the shutdown hooks: SentinelModule closes every client and the sentinels.
  app.enableShutdownHooks();
  console.log(`Sample app listening on ${url} (sentinels ${sentinels.join(', ')})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
