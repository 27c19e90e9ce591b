import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withTimeout } from '../timeout.js';
import type { Address } from '../types.js';
import { parseInfo, withConnection } from './commands.js';
import { HOST, renderSentinelConfig, renderServerConfig } from './config.js';
import { freePort } from './ports.js';
import { assertServerInstalled, serverBinaryName, serverCommand, serverKind, type ServerKind } from './server-kind.js';
import { waitFor } from './wait.js';

/** How long a fresh process may take to answer PING. */
const READY_TIMEOUT_MS = 10_000;
/** How long SIGTERM gets before SIGKILL. */
const STOP_GRACE_MS = 2_000;
/** Fresh ports tried when the kernel's free port was taken before redis-server bound it. */
const PORT_ATTEMPTS = 5;

/** Every process object not yet stopped, so a crashing test run can still clean up. */
const owned = new Set<RedisProcess>();
let hooksInstalled = false;

function cleanUpSync(): void {
  for (const p of owned) p.destroySync();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' listeners must be synchronous: kill by pid and remove folders with sync calls.
  process.on('exit', cleanUpSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUpSync();
      // Listening changed the default (exit); re-raise only if nobody else handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nrs-'));
}

type Mode = 'server' | 'sentinel';

function readIfExists(file: string): string {
  try {
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  } catch {
    return '';
  }
}

/** One redis-server or valkey-server process (data node or sentinel) in its own temporary folder. */
export abstract class RedisProcess {
  readonly host = HOST;
  /** Which server family runs this process. */
  readonly server: ServerKind;
  /** The process's own folder: config file, logs, and (for sentinels) the rewritten config. */
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  /** The password clients need on this process (`requirepass`), if any. */
  readonly password: string | undefined;
  readonly #stderrFile: string;
  readonly #mode: Mode;
  readonly #args: readonly string[];
  readonly #renderConfig: (port: number) => string;
  #port = 0;
  #pid = 0;
  #child: ChildProcess | undefined;
  #spawnError: Error | undefined;
  #exited: Promise<void> = Promise.resolve();
  #paused = false;
  #started = false;
  #stopping: Promise<void> | undefined;

  protected constructor(
    kind: ServerKind,
    mode: Mode,
    dir: string,
    password: string | undefined,
    args: readonly string[],
    renderConfig: (port: number) => string,
  ) {
    this.server = kind;
    this.#mode = mode;
    this.dir = dir;
    this.password = password;
    this.#args = args;
    this.#renderConfig = renderConfig;
    this.configFile = join(dir, mode === 'sentinel' ? 'sentinel.conf' : 'redis.conf');
    this.logFile = join(dir, mode === 'sentinel' ? 'sentinel.log' : 'redis.log');
    this.#stderrFile = join(dir, 'stderr.log');
  }

  get port(): number {
    return this.#port;
  }

  get address(): Address {
    return [this.host, this.#port];
  }

  /** The pid of the current (or last) process; it changes on `restart()`. */
  get pid(): number {
    return this.#pid;
  }

  /** True while the process has not exited (paused counts as running). */
  get running(): boolean {
    const c = this.#child;
    return c !== undefined && c.pid !== undefined && c.exitCode === null && c.signalCode === null;
  }

  get paused(): boolean {
    return this.#paused && this.running;
  }

  get stopped(): boolean {
    return this.#stopping !== undefined;
  }

  /** The last lines of the process's log (and of what it printed before opening the log), for error messages. */
  logTail(lines = 30): string {
    const all = `${readIfExists(this.#stderrFile)}${readIfExists(this.logFile)}`
      .split('\n')
      .filter((l) => l.trim() !== '');
    return all.slice(-lines).join('\n');
  }

  /** Starts the first process, picking a fresh port again when the chosen one was taken meanwhile. */
  protected async boot(fixedPort: number | undefined): Promise<void> {
    owned.add(this);
    installExitHooks();
    try {
      for (let attempt = 1; ; attempt++) {
        const port = fixedPort ?? (await freePort());
        try {
          await this.#launch(port);
          return;
        } catch (error) {
          const portTaken = /Address already in use/i.test(String((error as Error).message));
          if (fixedPort !== undefined || !portTaken || attempt >= PORT_ATTEMPTS) throw error;
        }
      }
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Writes the config for `port`, spawns, and waits until PING answers; kills the process on failure. */
  async #launch(port: number): Promise<void> {
    this.#port = port;
    // A restarted sentinel keeps its rewritten config (its state); everything else gets a fresh one.
    if (!(this.#mode === 'sentinel' && this.#started && existsSync(this.configFile))) {
      await writeFile(this.configFile, this.#renderConfig(port), { mode: 0o600 });
    }
    const child = this.#spawn();
    try {
      await waitFor(
        `${this.describe()} to answer PING`,
        async () => {
          if (!this.running) throw new ExitedEarly();
          try {
            // The pid check matters: on a taken port, another server would answer PING for us.
            return await withConnection(this.address, { password: this.password, timeoutMs: 500 }, async (conn) => {
              if ((await conn.execute('PING')) !== 'PONG') return false;
              return Number(parseInfo(await conn.execute('INFO', 'server')).process_id) === child.pid;
            });
          } catch (error) {
            // Between the exit and the 'exit' event, the refused connection is the first sign.
            if (!this.running) throw new ExitedEarly();
            throw error;
          }
        },
        { timeoutMs: READY_TIMEOUT_MS, retryIf: (e) => !(e instanceof ExitedEarly) },
      );
      this.#started = true;
    } catch (error) {
      // Without a pid, the spawn failure's 'error' event is still on its way.
      if (child.pid === undefined) await this.#exited;
      const how = this.#spawnError
        ? `could not run ${serverCommand(this.server)}: ${this.#spawnError.message}`
        : error instanceof ExitedEarly
          ? `exited (code ${child.exitCode ?? 'none'}, signal ${child.signalCode ?? 'none'}) before answering PING`
          : (error as Error).message;
      const failure = new Error(
        `${this.describe()} failed to start: ${how}\n--- log tail (${this.dir}) ---\n${this.logTail()}`,
      );
      await this.#terminate();
      throw failure;
    }
  }

  #spawn(): ChildProcess {
    const errFd = openSync(this.#stderrFile, 'a');
    let child: ChildProcess;
    try {
      const args = [this.configFile, ...(this.#mode === 'sentinel' ? ['--sentinel'] : []), ...this.#args];
      // Output goes to a file: a pipe would fill up (or keep the event loop alive) in long tests.
      child = spawn(serverCommand(this.server), args, { cwd: this.dir, stdio: ['ignore', errFd, errFd] });
    } finally {
      closeSync(errFd);
    }
    // A test that forgets stop() must not hang the runner; the exit hook kills the process instead.
    child.unref();
    this.#child = child;
    this.#paused = false;
    this.#spawnError = undefined;
    if (child.pid !== undefined) this.#pid = child.pid;
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (error) => {
        // Without a pid the binary never ran (ENOENT, EACCES): no 'exit' event will follow.
        if (child.pid === undefined) {
          this.#spawnError = error;
          resolve();
        }
      });
    });
    return child;
  }

  async #waitExit(ms: number): Promise<boolean> {
    if (!this.running) return true;
    // `#exited` never rejects: a rejection here is the deadline.
    return withTimeout(this.#exited, ms, 'exit').then(
      () => true,
      () => false,
    );
  }

  #signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.#pid, signal);
    } catch (error) {
      // ESRCH: it died on its own since `running` was read; the 'exit' event follows.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  async #terminate(): Promise<void> {
    if (!this.running) return;
    // A stopped process leaves SIGTERM pending until it is continued.
    if (this.#paused) this.resume();
    this.#signal('SIGTERM');
    if (await this.#waitExit(STOP_GRACE_MS)) return;
    this.#signal('SIGKILL');
    if (!(await this.#waitExit(5_000))) throw new Error(`${this.describe()} did not exit after SIGKILL`);
  }

  /** Sends `signal` (default SIGKILL) and resolves when the process has exited. The folder stays, so `restart()` works. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.#signal(signal);
    // Only SIGKILL acts on a stopped process; any other signal waits for SIGCONT.
    if (this.#paused && signal !== 'SIGKILL') this.resume();
    if (!(await this.#waitExit(5_000))) throw new Error(`${this.describe()} did not exit after ${signal}`);
  }

  /** SIGSTOP: the process keeps its sockets but answers nothing, like a hung server. */
  pause(): void {
    if (!this.running) throw new Error(`${this.describe()} is not running`);
    this.#signal('SIGSTOP');
    this.#paused = true;
  }

  /** SIGCONT after `pause()`. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#signal('SIGCONT');
  }

  /** Stops the process if running and starts it again on the same port, in the same folder. */
  async restart(): Promise<void> {
    if (this.#stopping) throw new Error(`${this.describe()} was stopped; it cannot restart`);
    await this.#terminate();
    await this.#launch(this.#port);
  }

  /** Ends the process (SIGTERM, then SIGKILL) and removes its folder. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        await this.#terminate();
      } finally {
        await rm(this.dir, { recursive: true, force: true });
        owned.delete(this);
      }
    })();
    return this.#stopping;
  }

  /** Synchronous last-resort cleanup for the process 'exit' hook. */
  destroySync(): void {
    if (this.running) {
      try {
        process.kill(this.#pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // Best effort: the process is exiting anyway.
    }
    owned.delete(this);
  }

  describe(): string {
    const what = this.#mode === 'sentinel' ? `${this.server} sentinel` : serverBinaryName(this.server);
    return `${what} ${this.host}:${this.#port}${this.#pid ? ` (pid ${this.#pid})` : ''}`;
  }
}

class ExitedEarly extends Error {
  constructor() {
    super('the process exited');
  }
}

export interface RedisServerOptions {
  /** `'redis'` (default) runs `redis-server`, `'valkey'` runs `valkey-server`; the config is the same for both. */
  server?: ServerKind;
  /** `requirepass`: clients must AUTH with it. */
  password?: string;
  /** Extra command-line arguments, for example `['--maxmemory', '10mb']`. */
  args?: string[];
  /** Starts as a replica of this master. */
  replicaOf?: Address;
  /** Password for the master link; defaults to `password`, so the node can also become a replica after a failover. */
  masterauth?: string;
  /** A fixed port; by default a free one is picked. */
  port?: number;
}

/** A data node (master or replica). */
export class RedisServer extends RedisProcess {
  readonly options: Readonly<RedisServerOptions>;

  private constructor(dir: string, options: RedisServerOptions) {
    super(serverKind(options.server), 'server', dir, options.password, options.args ?? [], (port) =>
      renderServerConfig(dir, port, options),
    );
    this.options = options;
  }

  /** Starts a data node on a free loopback port (or `port`); rejects at once when the binary is not installed. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    assertServerInstalled(serverKind(options.server));
    const server = new RedisServer(await makeTempDir(), { ...options });
    await server.boot(options.port);
    return server;
  }
}

export interface SentinelMonitorOptions {
  /** The service (master) name. */
  name: string;
  host: string;
  port: number;
  quorum: number;
  /** `down-after-milliseconds`. Default 1 000. */
  downAfterMs?: number;
  /** `failover-timeout`. Default 3 000. */
  failoverTimeoutMs?: number;
  /** `auth-pass`: the data nodes' password. */
  authPass?: string;
}

export interface SentinelServerOptions {
  /** `'redis'` (default) runs `redis-server --sentinel`, `'valkey'` runs `valkey-server --sentinel`. */
  server?: ServerKind;
  /** The services this sentinel monitors. */
  monitors: SentinelMonitorOptions[];
  /** The sentinel's own password (`requirepass`; also used to reach the other sentinels). */
  password?: string;
  args?: string[];
  port?: number;
}

/** A `redis-server --sentinel` (or `valkey-server --sentinel`) process. Its config file is in its folder, writable, since Sentinel rewrites it. */
export class SentinelServer extends RedisProcess {
  readonly monitors: readonly SentinelMonitorOptions[];

  private constructor(dir: string, options: SentinelServerOptions) {
    super(serverKind(options.server), 'sentinel', dir, options.password, options.args ?? [], (port) =>
      renderSentinelConfig(dir, port, options),
    );
    this.monitors = options.monitors.map((m) => ({ ...m }));
  }

  /** Starts a sentinel on a free loopback port (or `port`); rejects at once when the binary is not installed. */
  static async start(options: SentinelServerOptions): Promise<SentinelServer> {
    assertServerInstalled(serverKind(options.server));
    const server = new SentinelServer(await makeTempDir(), { ...options, monitors: [...options.monitors] });
    await server.boot(options.port);
    return server;
  }
}
