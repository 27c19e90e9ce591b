import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import Denque from 'denque';
import { Command } from '../../src/connection/command.js';
import { Liveness } from '../../src/connection/liveness.js';

// pingInterval's decisions, tick by tick, on a mocked clock and a fake connection.

const INTERVAL = 100;

function command(name: string): Command {
  return new Command(
    name,
    [],
    false,
    () => undefined,
    () => undefined,
  );
}

/** A fake connection: records PINGs and the reason it was failed with. */
function fakeHost() {
  const host = {
    queue: new Denque<Command>(),
    transaction: false,
    pings: 0,
    failed: null as string | null,
    inTransaction: () => host.transaction,
    ping: () => {
      host.pings++;
      host.queue.push(command('PING'));
    },
    fail: (reason: string) => {
      host.failed ??= reason;
    },
  };
  return host;
}

let liveness: Liveness | null = null;

beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
afterEach(() => {
  liveness?.stop();
  liveness = null;
  mock.timers.reset();
});

describe('liveness (pingInterval)', () => {
  test('an idle connection silent for an interval is pinged; no answer within another closes it', () => {
    const host = fakeHost();
    liveness = new Liveness(host, INTERVAL);
    mock.timers.tick(INTERVAL - 1);
    assert.equal(host.pings, 0);
    mock.timers.tick(1);
    assert.equal(host.pings, 1);
    assert.equal(host.failed, null);
    mock.timers.tick(INTERVAL);
    assert.equal(host.failed, `did not answer PING within ${INTERVAL} ms`);
  });

  test('an answer to the PING keeps the connection, and the next silence pings again', () => {
    const host = fakeHost();
    liveness = new Liveness(host, INTERVAL);
    mock.timers.tick(INTERVAL);
    assert.equal(host.pings, 1);
    host.queue.shift();
    liveness.received++;
    mock.timers.tick(INTERVAL);
    assert.equal(host.failed, null);
    assert.equal(host.pings, 1, 'data arrived during that interval: no PING');
    mock.timers.tick(INTERVAL);
    assert.equal(host.pings, 2);
    assert.equal(host.failed, null);
  });

  test('data received every interval means no PING at all', () => {
    const host = fakeHost();
    liveness = new Liveness(host, INTERVAL);
    for (let i = 0; i < 10; i++) {
      liveness.received++;
      mock.timers.tick(INTERVAL);
    }
    assert.equal(host.pings, 0);
    assert.equal(host.failed, null);
  });

  test('inside MULTI or WATCH an idle connection is not pinged', () => {
    const host = fakeHost();
    host.transaction = true;
    liveness = new Liveness(host, INTERVAL);
    mock.timers.tick(10 * INTERVAL);
    assert.equal(host.pings, 0);
    assert.equal(host.failed, null);
    host.transaction = false;
    mock.timers.tick(INTERVAL);
    assert.equal(host.pings, 1);
  });

  test('commands in flight with nothing received for two full intervals close it', () => {
    const host = fakeHost();
    liveness = new Liveness(host, INTERVAL);
    host.queue.push(command('GET'));
    mock.timers.tick(2 * INTERVAL);
    assert.equal(host.failed, null, 'two ticks may span less than two intervals of silence');
    mock.timers.tick(INTERVAL);
    assert.equal(host.failed, `did not answer for ${2 * INTERVAL} ms with 1 command(s) in flight`);
    assert.equal(host.pings, 0, 'no PING behind commands in flight');
  });

  test('a blocking command in flight (BLPOP) may wait forever', () => {
    const host = fakeHost();
    liveness = new Liveness(host, INTERVAL);
    host.queue.push(command('GET'));
    host.queue.push(command('BLPOP'));
    mock.timers.tick(20 * INTERVAL);
    assert.equal(host.failed, null);
    assert.equal(host.pings, 0);
  });

  test('stop() ends the checks', () => {
    const host = fakeHost();
    liveness = new Liveness(host, INTERVAL);
    liveness.stop();
    mock.timers.tick(10 * INTERVAL);
    assert.equal(host.pings, 0);
    assert.equal(host.failed, null);
  });
});
