import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from '../../src/client/redis.js';
import { InjectRedis, InjectSentinel, SentinelModule } from '../../src/nest/index.js';
import { RedisSentinel } from '../../src/sentinel/redis-sentinel.js';
import { SentinelTopology } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';

// This file is also the child process: with SHUTDOWN_CHILD set it runs a Nest app instead of tests.
const CHILD_MODE = process.env.SHUTDOWN_CHILD;
const SERVICE = 'mymaster';
const EXIT_DEADLINE_MS = 15_000;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const OPTIONS = Symbol('child options');

@Injectable()
class Worker implements OnApplicationShutdown {
  constructor(
    @InjectRedis(SERVICE) readonly master: Redis,
    @InjectRedis(SERVICE, 'slave') readonly replica: Redis,
    @InjectSentinel() readonly sentinel: RedisSentinel,
    @Inject(OPTIONS) readonly options: { report: (line: string) => void },
  ) {}

  /** Opens every kind of socket: master, replica, a subscriber connection, the sentinels. */
  async work(): Promise<void> {
    await this.master.set('shutdown:key', 'value');
    await this.replica.ping();
    await this.master.subscribe('shutdown:channel');
    await this.sentinel.ping();
  }

  onApplicationShutdown(signal?: string): void {
    this.options.report(`shutdown hook ${signal ?? 'close'}`);
  }
}

function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

async function runChild(mode: string): Promise<void> {
  const sentinels = JSON.parse(process.env.SENTINELS ?? '[]') as Address[];
  @Module({
    imports: [
      SentinelModule.forRoot({ sentinels, services: [{ name: SERVICE, roles: ['master', 'slave'] }], logger: false }),
    ],
    providers: [Worker, { provide: OPTIONS, useValue: { report } }],
  })
  class ChildModule {}

  const app = await NestFactory.createApplicationContext(ChildModule, { logger: false, abortOnError: false });
  await app.get(Worker).work();
  report(`open sockets ${openSockets()}`);
  if (mode === 'signal') {
    app.enableShutdownHooks();
    report('ready');
    return;
  }
  await app.close();
  // Sockets are released a tick after they close.
  await new Promise((resolve) => setImmediate(resolve));
  report(`closed; open sockets ${openSockets()}`);
}

function spawnChild(
  mode: 'close' | 'signal',
  sentinels: Address[],
): { result: Promise<ChildResult>; child: ReturnType<typeof spawn> } {
  const env: NodeJS.ProcessEnv = { ...process.env, SHUTDOWN_CHILD: mode, SENTINELS: JSON.stringify(sentinels) };
  // The child runs no tests: it must not report to this test runner.
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<ChildResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child did not exit within ${EXIT_DEADLINE_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, EXIT_DEADLINE_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { result, child };
}

if (CHILD_MODE !== undefined) {
  await runChild(CHILD_MODE);
} else {
  describe('SentinelModule shutdown in a real process', () => {
    let topology: SentinelTopology;

    before(async () => {
      topology = await SentinelTopology.start({ replicas: 1, sentinels: 2 });
    });

    after(async () => {
      await topology?.stop();
    });

    test('after app.close() the process exits by itself: no socket is left open', async () => {
      const { result } = spawnChild('close', topology.sentinelAddresses);
      const { code, stdout, stderr } = await result;
      assert.equal(code, 0, `exit code ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      const opened = /open sockets (\d+)/.exec(stdout);
      assert.ok(opened && Number(opened[1]) >= 4, `the child should have opened its sockets first:\n${stdout}`);
      assert.match(stdout, /shutdown hook close/);
      assert.match(stdout, /closed; open sockets 0/);
    });

    test('with enableShutdownHooks, SIGTERM runs the shutdown and the process ends', async () => {
      const { result, child } = spawnChild('signal', topology.sentinelAddresses);
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          if (chunk.toString().includes('ready')) {
            child.stdout?.off('data', onData);
            resolve();
          }
        };
        child.stdout?.on('data', onData);
        child.once('exit', () => reject(new Error('the child exited before it was ready')));
      });
      child.kill('SIGTERM');
      const { code, signal, stdout, stderr } = await result;
      assert.match(stdout, /shutdown hook SIGTERM/, stderr);
      // Nest re-raises the signal once its hooks are done.
      assert.ok(signal === 'SIGTERM' || code === 0, `exit ${code ?? signal}\n${stderr}`);
    });
  });
}
