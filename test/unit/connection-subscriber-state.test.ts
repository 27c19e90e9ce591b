import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Denque from 'denque';
import { Command } from '../../src/connection/command.js';
import { SubscriberState } from '../../src/connection/subscriber-state.js';

// Subscriber-mode tracking on a fake connection: which set each SUBSCRIBE-family command changes, when
// the mode ends, and what each push becomes.

function setup() {
  const queue = new Denque<Command>();
  const events: unknown[][] = [];
  const state = new SubscriberState(
    { queue, emit: (event, ...args) => void events.push([event, ...args]), afterShift: () => undefined },
    'utf8',
  );
  const results: unknown[] = [];
  /** Queues a command as the connection does: prepared, then pushed. */
  const send = (name: string, ...args: string[]): Command => {
    const c = new Command(
      name,
      args,
      false,
      (v) => results.push(v),
      (e) => results.push(e),
    );
    state.prepare(c);
    queue.push(c);
    return c;
  };
  const push = (...reply: unknown[]): boolean => state.onPush(reply);
  return { queue, events, state, results, send, push };
}

describe('subscriber state', () => {
  test('SSUBSCRIBE tracks shard channels, apart from channels and patterns', () => {
    const { state, send, push, results } = setup();
    send('SUBSCRIBE', 'a');
    push('subscribe', 'a', 1);
    send('psubscribe', 'p*');
    push('psubscribe', 'p*', 2);
    send('SSUBSCRIBE', 's1', 's2');
    push('ssubscribe', 's1', 1);
    push('ssubscribe', 's2', 2);
    assert.deepEqual([...state.channels], ['a']);
    assert.deepEqual([...state.patterns], ['p*']);
    assert.deepEqual([...state.shardChannels], ['s1', 's2']);
    assert.deepEqual(results, [1, 2, 2], 'each command resolves on its last confirmation');
    assert.equal(state.active, true);
  });

  test('SUNSUBSCRIBE removes shard channels; the mode ends only when all three sets are empty', () => {
    const { state, send, push, queue } = setup();
    send('SUBSCRIBE', 'a');
    push('subscribe', 'a', 1);
    send('SSUBSCRIBE', 's1');
    push('ssubscribe', 's1', 1);
    send('UNSUBSCRIBE');
    // The server counts shard channels apart: 0 here although s1 is still subscribed.
    push('unsubscribe', 'a', 0);
    assert.equal(state.active, true, 'a shard channel is left');
    assert.deepEqual([...state.shardChannels], ['s1']);
    send('SUNSUBSCRIBE', 's1');
    push('sunsubscribe', 's1', 0);
    assert.equal(state.shardChannels.size, 0);
    assert.equal(state.active, false);
    assert.equal(queue.length, 0);
  });

  test('SUNSUBSCRIBE with no names expects one confirmation per shard channel', () => {
    const { state, send, push, results } = setup();
    send('SSUBSCRIBE', 'x', 'y', 'z');
    for (const [i, n] of ['x', 'y', 'z'].entries()) push('ssubscribe', n, i + 1);
    const all = send('SUNSUBSCRIBE');
    assert.equal(all.expected, 3);
    push('sunsubscribe', 'x', 2);
    push('sunsubscribe', 'y', 1);
    assert.equal(results.length, 1, 'not settled before its last confirmation');
    push('sunsubscribe', 'z', 0);
    assert.deepEqual(results, [3, 0]);
    assert.equal(state.active, false);
  });

  test('smessage, message and pmessage become events with decoded channel names', () => {
    const { events, send, push } = setup();
    send('SSUBSCRIBE', 's');
    push('ssubscribe', 's', 1);
    assert.equal(push(Buffer.from('smessage'), Buffer.from('s'), Buffer.from('hello')), true);
    assert.equal(push('message', 'c', 'm'), true);
    assert.equal(push('pmessage', 'p*', 'pc', 'pm'), true);
    assert.deepEqual(events, [
      ['smessage', 's', Buffer.from('hello')],
      ['message', 'c', 'm'],
      ['pmessage', 'p*', 'pc', 'pm'],
    ]);
  });

  test('a reply that is not a push is left to the command at the head', () => {
    const { push } = setup();
    assert.equal(push('a', 'b'), false);
  });

  test('commands queued before the first SUBSCRIBE are counted as ahead of it', () => {
    const { state, queue, send } = setup();
    queue.push(
      new Command(
        'GET',
        ['k'],
        false,
        () => undefined,
        () => undefined,
      ),
    );
    send('SSUBSCRIBE', 's');
    assert.equal(state.ahead, 1);
    assert.equal(state.pushes, false, 'the GET reply is the GET reply, whatever it looks like');
  });

  test('a refused SUBSCRIBE with nothing subscribed ends the mode', () => {
    const { state, send } = setup();
    send('SUBSCRIBE');
    assert.equal(state.active, true);
    state.refused();
    assert.equal(state.active, false);
  });
});
