import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../../src/index.js';
import {
  AuthError,
  ConnectionClosedError,
  MasterReplyError,
  ProtocolError,
  ReadOnlyError,
  RedisError,
  ReplyError,
  SlaveReplyError,
  replyErrorFor,
} from '../../src/errors.js';

describe('replyErrorFor', () => {
  test('READONLY -> ReadOnlyError, a ReplyError', () => {
    const err = replyErrorFor("READONLY You can't write against a read only replica.");
    assert.ok(err instanceof ReadOnlyError);
    assert.ok(err instanceof ReplyError);
    assert.ok(err instanceof RedisError);
    assert.ok(!(err instanceof AuthError));
    assert.equal(err.name, 'ReadOnlyError');
    assert.equal(err.message, "READONLY You can't write against a read only replica.");
  });

  for (const message of [
    'NOAUTH Authentication required.',
    'WRONGPASS invalid username-password pair or user is disabled.',
    'ERR invalid password',
    'ERR Client sent AUTH, but no password is set',
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    'ERR invalid username-password pair',
  ]) {
    test(`${message.split(' ').slice(0, 3).join(' ')} -> AuthError`, () => {
      const err = replyErrorFor(message);
      assert.ok(err instanceof AuthError);
      assert.ok(err instanceof ReplyError);
      assert.ok(err instanceof RedisError);
      assert.equal(err.name, 'AuthError');
      assert.equal(err.message, message);
    });
  }

  for (const message of [
    'ERR unknown command',
    'WRONGTYPE Operation against a key holding the wrong kind of value',
    'NOSCRIPT No matching script. Please use EVAL.',
    'LOADING Redis is loading the dataset in memory',
    'ERR value is not an integer or out of range',
    'READONLYISH not the readonly error',
  ]) {
    test(`${message.split(' ')[0]} -> a plain ReplyError`, () => {
      const err = replyErrorFor(message);
      assert.equal(err.constructor, ReplyError);
      assert.equal(err.name, 'ReplyError');
      assert.equal(err.message, message);
    });
  }
});

describe('error classes', () => {
  test('every exported error extends RedisError and Error, and is named after its class', () => {
    const names = Object.keys(api).filter(
      (k) => k.endsWith('Error') && typeof (api as Record<string, unknown>)[k] === 'function',
    );
    for (const expected of [
      'RedisError',
      'ReplyError',
      'AuthError',
      'ReadOnlyError',
      'MasterNotFoundError',
      'SlaveNotFoundError',
      'MasterReplyError',
      'SlaveReplyError',
      'PoolClosedError',
      'ConnectionClosedError',
      'SentinelConnectionError',
      'ProtocolError',
      'TimeoutError',
    ]) {
      assert.ok(names.includes(expected), `${expected} is exported`);
    }
    for (const name of names) {
      const Ctor = (api as unknown as Record<string, new (...args: unknown[]) => Error>)[name]!;
      const err = name === 'MasterReplyError' || name === 'SlaveReplyError' ? new Ctor('svc', null) : new Ctor('m');
      assert.ok(err instanceof RedisError, `${name} extends RedisError`);
      assert.ok(err instanceof Error);
      assert.equal(err.name, name);
    }
  });

  test('MasterReplyError / SlaveReplyError: "Service <name> error" with the server error as cause', () => {
    const cause = replyErrorFor('WRONGPASS invalid username-password pair or user is disabled.');
    const m = new MasterReplyError('mymaster', cause);
    assert.equal(m.message, 'Service mymaster error');
    assert.equal(m.cause, cause);
    const s = new SlaveReplyError('other', cause);
    assert.equal(s.message, 'Service other error');
    assert.equal(s.cause, cause);
  });

  test('ConnectionClosedError.mayHaveBeenApplied defaults to false; ProtocolError keeps its cause', () => {
    assert.equal(new ConnectionClosedError('closed').mayHaveBeenApplied, false);
    assert.equal(new ConnectionClosedError('closed', { mayHaveBeenApplied: true }).mayHaveBeenApplied, true);
    const cause = new Error('bad byte');
    assert.equal(new ProtocolError('protocol', { cause }).cause, cause);
  });
});
