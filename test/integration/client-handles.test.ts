import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer, waitFor } from '../../src/testing/index.js';

// After close() + waitClosed(), nothing keeps the process alive: a child node process that uses a pool,
// a single client and a subscriber, then closes them, must exit by itself (no process.exit).

const ENTRY = new URL('../../src/index.js', import.meta.url).href;

let server: RedisServer;
let dir: string;

before(async () => {
  server = await RedisServer.start();
  dir = await mkdtemp(join(tmpdir(), 'nrs-handles-'));
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SCRIPT = `
import { createRedis, createRedisPool, createConnection } from ${JSON.stringify(ENTRY)};

const address = ['127.0.0.1', Number(process.env.REDIS_PORT)];
const pool = await createRedisPool(address, { minsize: 2, maxsize: 4, commandTimeout: 1000 });
const single = await createRedis(address, { commandTimeout: 1000 });
const subscriber = await createRedis(address);
const poolSubscriber = await createRedisPool(address);
const conn = await createConnection(address);

const got = [];
await subscriber.subscribe('handles', (m) => got.push(m));
await poolSubscriber.psubscribe('hand*', () => undefined);
await single.set('handles:k', 'v');
const results = await Promise.all([
  pool.get('handles:k'),
  pool.incr('handles:n'),
  pool.blpop('handles:empty', 0.1),
  pool.withConnection((c) => c.multi().incr('handles:n').exec()),
  pool.pipeline().ping().ping().exec(),
  single.publish('handles', 'hello'),
  conn.execute('PING'),
]);
if (results[0] !== 'v' || results[6] !== 'PONG') throw new Error('unexpected results ' + JSON.stringify(results));
while (got.length === 0) await new Promise((r) => setTimeout(r, 5));

const keepOpen = process.env.KEEP_OPEN === '1';
for (const c of [pool, single, subscriber, poolSubscriber]) if (!(keepOpen && c === single)) c.close();
if (!keepOpen) conn.close();
await Promise.all([pool, subscriber, poolSubscriber].map((c) => c.waitClosed()));
if (!keepOpen) await Promise.all([single.waitClosed(), conn.waitClosed()]);
console.log('closed', got.join(','));
`;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  exitedWithin: boolean;
}

/** Runs the script; kills it (and reports exitedWithin false) if it has not exited after `ms`. */
async function runChild(file: string, env: Record<string, string>, ms: number): Promise<ChildResult> {
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exitedWithin = true;
  const timer = setTimeout(() => {
    exitedWithin = false;
    child.kill('SIGKILL');
  }, ms);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr, exitedWithin };
}

describe('no handle is left open after close() + waitClosed()', () => {
  test('a child process using a pool, a client and subscribers exits by itself with code 0', async () => {
    const file = join(dir, 'clean-exit.mjs');
    await writeFile(file, SCRIPT);
    const r = await runChild(file, { REDIS_PORT: String(server.port) }, 15_000);
    assert.equal(r.exitedWithin, true, `the child did not exit within 15 s; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'closed hello');
  });

  test('control: the same script leaving one client open does not exit (the check can fail)', async () => {
    const file = join(dir, 'kept-open.mjs');
    await writeFile(file, SCRIPT);
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, REDIS_PORT: String(server.port), KEEP_OPEN: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let exited = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.once('exit', () => (exited = true));
    try {
      // Started and done with its work however slow the machine (the clean child above exits right after this line).
      await waitFor('the child closed all but one client', () => stdout.includes('closed hello') || exited, {
        timeoutMs: 15_000,
      });
      assert.match(stdout, /closed hello/, stderr);
      // A second is far longer than the clean child takes to exit after printing.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(exited, false, 'an open connection should keep the process alive');
    } finally {
      child.kill('SIGKILL');
      await closed;
    }
  });
});
