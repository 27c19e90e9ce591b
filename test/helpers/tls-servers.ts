import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from '../../src/connection/connection.js';
import { freePort, waitFor } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import type { CertFiles, TestCerts } from './certs.js';

/**
 * TLS-only redis-server / sentinel processes (`port 0`, `tls-port`). The test kit's RedisServer and
 * SentinelServer check readiness (and the topology talks to its nodes) over plain TCP on `port`, so
 * they cannot run a node without a plain port; this starts such nodes itself.
 */

const HOST = '127.0.0.1';
const live = new Set<TlsRedisProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of live) p.destroySync();
  });
}

function quote(value: string | number): string {
  return JSON.stringify(String(value));
}

function line(name: string, ...values: (string | number)[]): string {
  return [name, ...values.map(quote)].join(' ');
}

export interface TlsProcessOptions {
  mode: 'server' | 'sentinel';
  certs: TestCerts;
  /** The certificate the process presents (default `certs.server`). */
  cert?: CertFiles;
  /** Extra redis.conf lines (already formatted), e.g. from `line(...)`. */
  config?: string[];
  /** `requirepass`; also used for the readiness check. */
  password?: string;
}

export class TlsRedisProcess {
  readonly host = HOST;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly opts: TlsProcessOptions,
  ) {}

  get address(): Address {
    return [HOST, this.port];
  }

  get running(): boolean {
    const c = this.#child;
    return c !== undefined && c.pid !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** TLS options a client needs to reach this process with verification on (every test certificate names localhost). */
  get clientTls(): { ca: string; servername: string } {
    return { ca: this.opts.certs.ca.cert, servername: 'localhost' };
  }

  logTail(lines = 30): string {
    let text = '';
    for (const f of ['stderr.log', 'redis.log']) {
      try {
        text += readFileSync(join(this.dir, f), 'utf8');
      } catch {
        // Not written yet.
      }
    }
    return text.split('\n').filter(Boolean).slice(-lines).join('\n');
  }

  static async start(opts: TlsProcessOptions): Promise<TlsRedisProcess> {
    hookExit();
    let lastError: unknown;
    // A free port may be taken between freePort() and the bind: try a few.
    for (let attempt = 0; attempt < 4; attempt++) {
      const dir = await mkdtemp(join(tmpdir(), 'nrs-tls-'));
      const p = new TlsRedisProcess(dir, await freePort(), opts);
      live.add(p);
      try {
        await p.#launch();
        return p;
      } catch (error) {
        lastError = error;
        await p.stop();
        if (!/Address already in use/i.test(String((error as Error).message))) throw error;
      }
    }
    throw lastError;
  }

  async #launch(): Promise<void> {
    const { mode, certs, password } = this.opts;
    const cert = this.opts.cert ?? certs.server;
    const lines = [
      line('port', 0),
      line('tls-port', this.port),
      line('bind', HOST),
      line('protected-mode', 'no'),
      line('daemonize', 'no'),
      line('dir', this.dir),
      line('logfile', join(this.dir, 'redis.log')),
      line('tls-cert-file', cert.certFile),
      line('tls-key-file', cert.keyFile),
      line('tls-ca-cert-file', certs.ca.certFile),
      line('tls-auth-clients', 'no'),
      line('tls-replication', 'yes'),
    ];
    if (mode === 'server') {
      lines.push(
        line('save', ''),
        line('appendonly', 'no'),
        line('repl-diskless-sync-delay', 0),
        line('shutdown-on-sigterm', 'nosave now'),
      );
    } else {
      lines.push(line('sentinel', 'resolve-hostnames', 'no'));
    }
    if (password !== undefined) lines.push(line('requirepass', password));
    lines.push(...(this.opts.config ?? []));
    const configFile = join(this.dir, mode === 'sentinel' ? 'sentinel.conf' : 'redis.conf');
    await writeFile(configFile, `${lines.join('\n')}\n`, { mode: 0o600 });

    const errFd = openSync(join(this.dir, 'stderr.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        process.env.REDIS_SERVER_BIN || 'redis-server',
        [configFile, ...(mode === 'sentinel' ? ['--sentinel'] : [])],
        { cwd: this.dir, stdio: ['ignore', errFd, errFd] },
      );
    } finally {
      closeSync(errFd);
    }
    child.unref();
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    try {
      await waitFor(
        `${mode} on TLS port ${this.port} to answer PING`,
        async () => {
          if (!this.running) throw new Error('exited before answering PING');
          const conn = await createConnection(this.address, {
            ssl: this.clientTls,
            password,
            connectTimeout: 500,
          });
          try {
            if ((await conn.execute('PING')) !== 'PONG') return false;
            // Another process on a reused port would answer too: check the pid.
            const info = String(await conn.execute('INFO', 'server'));
            return new RegExp(`process_id:${child.pid}\\r?\\n`).test(info);
          } finally {
            conn.close();
            await conn.waitClosed();
          }
        },
        { timeoutMs: 10_000, intervalMs: 25, retryIf: () => this.running },
      );
    } catch (error) {
      throw new Error(
        `${mode} (TLS port ${this.port}) failed to start: ${(error as Error).message}\n${this.logTail()}`,
        { cause: error },
      );
    }
  }

  /** SIGTERM, SIGKILL after 2 s; removes the folder. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        if (this.running) {
          this.#child!.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const done = await Promise.race([
            this.#exited.then(() => true),
            new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2_000))),
          ]);
          clearTimeout(timer);
          if (!done && this.running) {
            this.#child!.kill('SIGKILL');
            await this.#exited;
          }
        }
      } finally {
        await rm(this.dir, { recursive: true, force: true });
        live.delete(this);
      }
    })();
    return this.#stopping;
  }

  destroySync(): void {
    if (this.running) this.#child!.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

export { line as configLine };
