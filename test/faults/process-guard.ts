// Every fault file calls guardProcess(): the library must never throw out of band, so an uncaught
// exception or an unhandled rejection anywhere during the file fails it (and a stray 'error' event
// is counted instead of ending the process half-way through the rounds).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { describeError } from './workload.js';

export interface ProcessFaults {
  uncaught: string[];
  unhandled: string[];
}

/** Counts uncaughtException and unhandledRejection from the file's start; asserts none at its end. */
export function guardProcess(file: string): ProcessFaults {
  const seen: ProcessFaults = { uncaught: [], unhandled: [] };
  const onUncaught = (error: unknown): void => {
    seen.uncaught.push(describeError(error));
  };
  const onUnhandled = (reason: unknown): void => {
    seen.unhandled.push(describeError(reason));
  };
  before(() => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUnhandled);
  });
  after(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUnhandled);
    console.log(
      `[faults] ${file}: uncaughtException ${seen.uncaught.length}, unhandledRejection ${seen.unhandled.length}`,
    );
    assert.deepEqual(
      { uncaughtException: seen.uncaught.slice(0, 10), unhandledRejection: seen.unhandled.slice(0, 10) },
      { uncaughtException: [], unhandledRejection: [] },
      `${file}: ${seen.uncaught.length} uncaught exception(s) and ${seen.unhandled.length} unhandled rejection(s)`,
    );
  });
  return seen;
}
