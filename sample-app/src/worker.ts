import 'reflect-metadata';
import { parseSentinelList } from './config.js';
import { startWorker } from './worker.module.js';

// SENTINELS=127.0.0.1:26379 node dist/sample-app/src/worker.js: the microservice `GET /sum` calls.
// Prints one line per event on stdout ("ready pid <n>", "resubscribed ..."); the demo relays them.
async function main(): Promise<void> {
  const { app, strategy } = await startWorker(parseSentinelList(process.env.SENTINELS ?? '127.0.0.1:26379'));
  strategy.on('switch-master', (e) => console.log(`switch-master ${e.from.join(':')} -> ${e.to.join(':')}`));
  strategy.on('resubscribed', (e) => console.log(`resubscribed ${e.service} ${e.role}: ${e.channels.length} channels`));
  strategy.on('warning', (e) => console.log(`warning ${e.message}`));
  // SIGTERM / SIGINT close the server (and its sentinel) before the process ends.
  app.enableShutdownHooks();
  // Started by the demo (an IPC channel): end with it, even when it was SIGKILLed and could not stop us.
  if (process.connected) process.once('disconnect', () => void app.close().finally(() => process.exit(0)));
  console.log(`ready pid ${process.pid}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
