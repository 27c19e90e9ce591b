// The hot-key scenario: 100 concurrent GETs over 1,000 keys through the client under test, and 1% of
// the ops SETs by another client. That other client is a bare RESP socket (no library), the same for
// every column, so it adds no library's memory to the worker's RSS.

import net from 'node:net';
import type { BenchClient } from './clients.js';
import type { Samples, Target } from './common.js';

export const HOT_KEYS = 1_000;
/** One op in this many is a write by the other client. */
const WRITE_EVERY = 100;

function resp(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** A raw connection that sends SETs and resolves each on its `+OK` (replies come in order). */
class RawWriter {
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private pending = '';

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.pending += chunk.toString('latin1');
      for (let i = this.pending.indexOf('\r\n'); i >= 0; i = this.pending.indexOf('\r\n')) {
        const line = this.pending.slice(0, i);
        this.pending = this.pending.slice(i + 2);
        const w = this.waiting.shift();
        if (line.startsWith('+')) w?.resolve();
        else w?.reject(new Error(`writer: ${line}`));
      }
    });
    socket.on('error', (err) => {
      for (const w of this.waiting.splice(0)) w.reject(err);
    });
  }

  static open(address: [string, number]): Promise<RawWriter> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address[0], port: address[1] }, () => resolve(new RawWriter(socket)));
      socket.once('error', reject);
    });
  }

  set(key: string, value: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(resp(['SET', key, value]));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The scenario's setup (every key written once), its step, and the writer's cleanup. */
export async function hotKeys(
  client: BenchClient,
  target: Target,
  prefix: string,
): Promise<{ concurrency: number; step: (worker: number, samples: Samples) => Promise<number>; close: () => void }> {
  const writer = await RawWriter.open(target.master);
  const keys = Array.from({ length: HOT_KEYS }, (_, i) => `${prefix}hot:${i}`);
  await Promise.all(keys.map((k) => writer.set(k, `v0-${k}`)));
  let op = 0;
  // xorshift32, fixed seed: every column reads and writes the same keys in the same order, spread evenly.
  let x = 0x9e3779b9;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % HOT_KEYS;
  };
  return {
    concurrency: 100,
    close: () => writer.close(),
    async step(_w, s) {
      const n = op++;
      const key = keys[next()]!;
      if (n % WRITE_EVERY === WRITE_EVERY - 1) {
        await writer.set(key, `v${n}`);
        return 1;
      }
      const t0 = performance.now();
      const value = await client.get(key);
      s.push(performance.now() - t0);
      if (typeof value !== 'string') throw new Error(`GET ${key} returned ${String(value)}`);
      return 1;
    },
  };
}
