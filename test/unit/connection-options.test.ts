import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from '../../src/connection/connection.js';
import { rejection } from '../helpers/util.js';

// Liveness options are checked before any socket is opened (the address below is never dialled).

describe('connection options', () => {
  for (const option of ['keepAlive', 'pingInterval'] as const) {
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1000', null]) {
      test(`${option}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)} is refused with a TypeError naming the option`, async () => {
        const error = await rejection(createConnection('127.0.0.1:9', { [option]: value as unknown as number }));
        assert.ok(error instanceof TypeError, String(error));
        assert.match(error.message, new RegExp(`^${option} must be a non-negative number of milliseconds`));
      });
    }
  }
});
