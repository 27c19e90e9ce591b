import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Address } from '../../src/index.js';
import { print } from './demo-print.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** The worker microservice (sample-app/src/worker.ts) as a child process; its output relayed as `worker` lines. */
export class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Spawns the worker and resolves once it listens (its "ready" line). */
  static async start(sentinels: readonly Address[]): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [WORKER], {
      env: { ...process.env, SENTINELS: sentinels.map((a) => a.join(':')).join(',') },
      // The IPC channel only tells the worker when the demo is gone (see worker.ts).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const worker = new WorkerProcess(child);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the worker did not start within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      const done = (err?: Error): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          print('worker', line);
          if (line.startsWith('ready ')) done();
        });
      }
      child.once('error', done);
      child.once('exit', (code, signal) =>
        done(new Error(`the worker exited (${signal ?? code}) before it was ready`)),
      );
    });
    try {
      await ready;
    } catch (err) {
      await worker.stop();
      throw err;
    }
    return worker;
  }

  /** SIGTERM by pid (the worker closes its server), SIGKILL if it is still there after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // it ended meanwhile
    }
    const timer = setTimeout(() => this.killSync(), STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
    print('demo', `stopped the worker (pid ${this.pid})`);
  }

  /** For the 'exit' event (synchronous). */
  killSync(): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
