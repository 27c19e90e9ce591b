import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numbered, words } from '../../src/commands/args.js';
import {
  parseAutoClaim,
  parseEntry,
  parseInfoObject,
  parsePendingSummary,
  parseStreamReads,
} from '../../src/commands/stream-replies.js';

test('words: option words in the order given, one rule for every command', () => {
  assert.deepEqual(words(['k', 'v'], { NX: true, XX: false, EX: 10 }, ['EX', 'NX', 'XX']), ['k', 'v', 'EX', 10, 'NX']);
  assert.deepEqual(words([], undefined as { NX?: boolean } | undefined, ['NX']), []);
  assert.deepEqual(words(['z'], { LIMIT: { offset: 2, count: 5 } }, ['LIMIT']), ['z', 'LIMIT', 2, 5]);
  assert.deepEqual(words([], { WEIGHTS: [1, 2], AGGREGATE: 'MAX' }, ['WEIGHTS', 'AGGREGATE']), [
    'WEIGHTS',
    1,
    2,
    'AGGREGATE',
    'MAX',
  ]);
  assert.deepEqual(words(['s'], { MAXLEN: ['~', 1000] }, ['MAXLEN']), ['s', 'MAXLEN', '~', 1000]);
  const buf = Buffer.from('x');
  assert.deepEqual(words([], { FROMMEMBER: buf }, ['FROMMEMBER']), ['FROMMEMBER', buf]);
  // Keys that are not Redis words (encoding) are never sent.
  assert.deepEqual(words([], { encoding: null, COUNT: 3 } as { encoding: null; COUNT: number }, ['COUNT']), [
    'COUNT',
    3,
  ]);
});

test('numbered: a key count, then the keys', () => {
  assert.deepEqual(numbered([], ['a', 'b']), [2, 'a', 'b']);
  assert.deepEqual(numbered([5], 'a'), [5, 1, 'a']);
});

test('stream replies: entries, reads, deleted entries, empty pending summary, autoclaim, info', () => {
  assert.deepEqual(parseEntry(['1-0', ['a', '1', 'b', '2']]), { id: '1-0', fields: { a: '1', b: '2' } });
  assert.deepEqual(parseEntry([Buffer.from('2-0'), null]), { id: '2-0', fields: null });
  assert.equal(parseStreamReads(null), null);
  assert.deepEqual(parseStreamReads([['s', [['1-0', ['f', 'v']]]]]), [
    { key: 's', entries: [{ id: '1-0', fields: { f: 'v' } }] },
  ]);
  assert.deepEqual(parsePendingSummary([0, null, null, null]), { count: 0, min: null, max: null, consumers: [] });
  assert.deepEqual(parsePendingSummary([3, '1-0', '3-0', [['alice', '3']]]), {
    count: 3,
    min: '1-0',
    max: '3-0',
    consumers: [{ name: 'alice', count: 3 }],
  });
  assert.deepEqual(parseAutoClaim(['0-0', [['1-0', ['f', 'v']]], ['2-0']], parseEntry), {
    next: '0-0',
    entries: [{ id: '1-0', fields: { f: 'v' } }],
    deleted: ['2-0'],
  });
  // Redis 6.2 sends no deleted-ids element.
  assert.deepEqual(parseAutoClaim(['5-0', []], parseEntry).deleted, []);
  assert.deepEqual(parseInfoObject(['length', 1, 'first-entry', ['1-0', ['f', 'v']], 'last-entry', null]), {
    length: 1,
    'first-entry': { id: '1-0', fields: { f: 'v' } },
    'last-entry': null,
  });
});
