// SentinelModule with its default logger (Nest's Logger, context 'SentinelModule') writes each failover
// at `log` level: the start (writes held), the switch with both addresses, and the end with the held
// time that 'failover-end' reports. Captured through a custom Nest LoggerService during a real graceful
// failover; no line shows the passwords.
import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Redis } from '../../src/client/redis.js';
import { SentinelModule, getRedisToken, getSentinelToken } from '../../src/nest/index.js';
import type { RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { uniq } from '../helpers/util.js';

const SERVICE = 'mymaster';
const PASSWORD = 'nest-log-data-secret';
const SENTINEL_PASSWORD = 'nest-log-sentinel-secret';

interface Line {
  level: 'log' | 'warn' | 'error' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context: string | undefined;
}

/** A Nest LoggerService that keeps every line with its level and context. */
class CapturingLogger implements LoggerService {
  readonly lines: Line[] = [];
  private add(level: Line['level'], message: unknown, rest: unknown[]): void {
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? String(rest.at(-1)) : undefined;
    this.lines.push({ level, message: String(message), context });
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.add('log', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.add('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.add('error', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.add('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.add('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.add('fatal', message, rest);
  }
}

describe("SentinelModule's failover log lines", { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  let app: TestingModule | undefined;
  const logger = new CapturingLogger();

  before(async () => {
    topology = await SentinelTopology.start({
      replicas: 1,
      sentinels: 1,
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    });
    app = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({
          sentinels: topology.sentinelAddresses,
          services: [SERVICE],
          password: PASSWORD,
          sentinelPassword: SENTINEL_PASSWORD,
        }),
      ],
    })
      .setLogger(logger)
      .compile();
  });

  after(async () => {
    await app?.close();
    await topology?.stop();
  });

  test('a graceful failover: start, switch with both addresses, end with the held ms, at log level', async () => {
    const redis = app!.get<Redis>(getRedisToken(SERVICE));
    const sentinel = app!.get<RedisSentinel>(getSentinelToken());
    const ends: { heldMs: number }[] = [];
    sentinel.on('failover-end', (e: { heldMs: number }) => ends.push(e));
    await redis.set(uniq('nest-log'), 'v');
    const old = await topology.masterAddress();
    const mark = logger.lines.length;
    const to = await topology.failover({ timeoutMs: 30_000 });
    await waitFor('failover-end', () => ends.length > 0, { timeoutMs: 20_000 });
    await redis.set(uniq('nest-log'), 'after');

    const lines = logger.lines.slice(mark).filter((l) => l.context === 'SentinelModule');
    const shown = lines.map((l) => `${l.level} ${l.message}`).join('\n');
    const find = (pattern: RegExp): Line[] => lines.filter((l) => pattern.test(l.message));
    const [from, into] = [old.join(':'), to.join(':')];

    const start = find(new RegExp(`^Failover of ${SERVICE} under way: holding writes$`));
    const switched = find(new RegExp(`^\\+switch-master ${SERVICE}: ${from} -> ${into}$`));
    const end = find(new RegExp(`^Failover of ${SERVICE} done: now ${into}, writes held (\\d+) ms$`));
    assert.equal(start.length, 1, `one start line:\n${shown}`);
    assert.equal(switched.length, 1, `one switch line with both addresses:\n${shown}`);
    assert.equal(end.length, 1, `one end line with the held time:\n${shown}`);
    for (const line of [...start, ...switched, ...end])
      assert.equal(line.level, 'log', `at log level: ${line.message}`);
    assert.ok(lines.indexOf(start[0]!) < lines.indexOf(switched[0]!));
    assert.ok(lines.indexOf(switched[0]!) < lines.indexOf(end[0]!));
    const heldMs = Number(/writes held (\d+) ms/.exec(end[0]!.message)![1]);
    assert.equal(heldMs, ends[0]!.heldMs, 'the logged held time is the one failover-end reports');
    assert.ok(heldMs > 0);
    const everything = logger.lines.map((l) => l.message).join('\n');
    assert.ok(!everything.includes(PASSWORD) && !everything.includes(SENTINEL_PASSWORD), 'no password logged');
  });
});
