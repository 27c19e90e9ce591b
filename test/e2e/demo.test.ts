import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../../sample-app/src/demo.js', import.meta.url));

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runDemo(args: string[], deadlineMs: number): Run {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [DEMO, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not exit within ${deadlineMs} ms:\n${output}`));
    }, deadlineMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  return { child, output: () => output, exit };
}

/** Every host:port the demo printed for its redis-server processes. */
function printedPorts(output: string): number[] {
  const lines = output.split('\n').filter((l) => /demo +(master|sentinels) /.test(l));
  return [...lines.join(' ').matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function assertStopped(output: string): Promise<void> {
  const ports = printedPorts(output);
  assert.equal(ports.length, 6, `expected 6 redis ports in:\n${output}`);
  for (const port of ports) assert.ok(await refuses(port), `port ${port} still answers after the demo ended`);
}

describe('npm run demo (sample-app/src/demo.ts)', () => {
  test('--help prints the usage', async () => {
    const run = runDemo(['--help'], 10_000);
    assert.deepEqual(await run.exit, { code: 0, signal: null });
    assert.match(run.output(), /--failover/);
    assert.match(run.output(), /--duration <s>/);
  });

  test('a bad option is refused with the usage', async () => {
    const run = runDemo(['--duration', 'soon'], 10_000);
    assert.equal((await run.exit).code, 2);
    assert.match(run.output(), /--duration must be a positive number/);
  });

  test('--duration: prints where to look, stops by itself and leaves no redis-server behind', async () => {
    const run = runDemo(['--duration', '1'], 60_000);
    assert.deepEqual(await run.exit, { code: 0, signal: null }, run.output());
    const output = run.output();
    assert.match(output, /curl -X POST http:\/\/127\.0\.0\.1:\d+\/counter\/incr/);
    assert.match(output, /curl http:\/\/127\.0\.0\.1:\d+\/health/);
    assert.match(output, /stopped 6 redis-server processes/);
    await assertStopped(output);
  });

  test('--failover: every request succeeds through the failover, with a summary', async () => {
    const run = runDemo(['--failover'], 90_000);
    const { code } = await run.exit;
    const output = run.output();
    assert.equal(code, 0, output);
    assert.match(output, /sentinel +\+switch-master mymaster/);
    assert.match(output, /failover done in \d+ ms/);
    assert.match(output, /requests failed: 0\n/);
    const ok = /requests ok: +(\d+)/.exec(output);
    assert.ok(ok && Number(ok[1]) > 20, output);
    assert.doesNotMatch(output, /MISMATCH/);
    await assertStopped(output);
  });

  test('SIGINT stops everything it started', async () => {
    const run = runDemo([], 60_000);
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (run.output().includes('running until Ctrl-C')) {
          run.child.stdout!.off('data', check);
          resolve();
        }
      };
      run.child.stdout!.on('data', check);
      run.exit.then(() => reject(new Error(`the demo ended early:\n${run.output()}`)), reject);
    });
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    assert.equal(code, 130, run.output());
    await assertStopped(run.output());
  });
});
