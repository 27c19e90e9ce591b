import { test } from 'node:test';
import assert from 'node:assert/strict';
import { list } from '@ioredis/commands';
import { Redis } from '../../src/client/redis.js';
import { Multi, Pipeline } from '../../src/client/pipeline.js';
import { CONTAINERS, LEFT_OUT, methodName } from '../../src/commands/index.js';

// Every command a client sends (the list of @ioredis/commands) is a typed method on Redis, pipeline()
// and multi(), or is in LEFT_OUT with its reason. Container commands (CLIENT, XGROUP, ...) are typed
// by subcommand; the integration test commands-server checks those against a real server's list.

// Typed on Redis in src/client/redis.ts by the pub/sub change, not yet there: delete a name here when
// its method lands (the test below fails until then, so this list cannot go stale).
const SUBSCRIBER_REASON = LEFT_OUT['subscribe'];

function isMethod(proto: object, name: string): boolean {
  return typeof (proto as Record<string, unknown>)[name] === 'function';
}

test('every command of @ioredis/commands is typed on Redis, pipeline() and multi(), or left out with a reason', () => {
  const missing: string[] = [];
  for (const command of list) {
    if (command in LEFT_OUT) continue;
    if (CONTAINERS.includes(command)) {
      const prefix = methodName(command);
      const subs = Object.getOwnPropertyNames(Pipeline.prototype).filter((n) => n.startsWith(prefix) && n !== prefix);
      if (subs.length === 0) missing.push(`${command} (no subcommand method)`);
      continue;
    }
    const name = methodName(command);
    for (const [where, proto] of [
      ['Redis', Redis.prototype],
      ['pipeline()', Pipeline.prototype],
      ['multi()', Multi.prototype],
    ] as const) {
      if (!isMethod(proto, name)) missing.push(`${command} -> ${where}.${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('the left-out table names real commands, each with a reason, none of them typed in pipeline()', () => {
  const known = new Set(list);
  for (const [entry, reason] of Object.entries(LEFT_OUT)) {
    const [command, sub] = entry.split(' ');
    assert.ok(known.has(command!), `${entry}: not a command of @ioredis/commands`);
    if (sub !== undefined)
      assert.ok(CONTAINERS.includes(command!) || command === 'module', `${entry}: not a container`);
    assert.ok(reason.length > 20, `${entry}: no reason given`);
    // Pipeline's own exec() sends the batch (with MULTI / EXEC around it in multi()): not the EXEC command.
    if (reason === LEFT_OUT['exec']) continue;
    assert.equal(
      isMethod(Pipeline.prototype, methodName(entry)),
      false,
      `${entry} is left out but typed in pipeline()`,
    );
  }
});

test('subscriber commands left out of pipeline() are methods of Redis itself', () => {
  const subscriberCommands = Object.keys(LEFT_OUT).filter((c) => LEFT_OUT[c] === SUBSCRIBER_REASON);
  assert.ok(subscriberCommands.length >= 6);
  for (const command of subscriberCommands) {
    assert.ok(isMethod(Redis.prototype, methodName(command)), `Redis.${methodName(command)} is missing`);
  }
});

test('method names: lower case, read-only variants and subcommands in camelCase', () => {
  assert.equal(methodName('xadd'), 'xadd');
  assert.equal(methodName('eval_ro'), 'evalRo');
  assert.equal(methodName('GEORADIUSBYMEMBER_RO'), 'georadiusbymemberRo');
  assert.equal(methodName('xgroup createconsumer'), 'xgroupCreateconsumer');
  assert.equal(methodName('client no-evict'), 'clientNoEvict');
  assert.equal(methodName('memory malloc-stats'), 'memoryMallocStats');
  for (const name of ['evalRo', 'fcallRo', 'sortRo', 'bitfieldRo', 'georadiusRo', 'xgroupCreate', 'xinfoStream']) {
    assert.ok(isMethod(Pipeline.prototype, name), name);
  }
  for (const name of ['functionLoad', 'functionList', 'scriptLoad', 'clientList', 'objectEncoding', 'memoryUsage']) {
    assert.ok(isMethod(Redis.prototype, name), name);
  }
  for (const name of ['configGet', 'aclWhoami', 'slowlogGet', 'latencyLatest', 'commandDocs', 'pubsubChannels']) {
    assert.ok(isMethod(Multi.prototype, name), name);
  }
});
