// Every fault file starts a guardProcess() and checks it in its own after() hook (so a failure names
// the file): the library must never throw out of band, so an uncaught exception or an unhandled
// rejection anywhere during the file fails it (and a stray 'error' event is counted instead of
// ending the process half-way through the rounds).

import assert from 'node:assert/strict';
import { describeError } from './workload.js';

export interface ProcessGuard {
  uncaught: string[];
  unhandled: string[];
  /** Stops counting and asserts that nothing was counted (call it from the file's after() hook). */
  assertNone(): void;
}

/** Counts uncaughtException and unhandledRejection from now on. */
export function guardProcess(file: string): ProcessGuard {
  const uncaught: string[] = [];
  const unhandled: string[] = [];
  const onUncaught = (error: unknown): void => {
    uncaught.push(describeError(error));
  };
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(describeError(reason));
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
  return {
    uncaught,
    unhandled,
    assertNone: () => {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUnhandled);
      console.log(`[faults] ${file}: uncaughtException ${uncaught.length}, unhandledRejection ${unhandled.length}`);
      assert.deepEqual(
        { uncaughtException: uncaught.slice(0, 10), unhandledRejection: unhandled.slice(0, 10) },
        { uncaughtException: [], unhandledRejection: [] },
        `${file}: ${uncaught.length} uncaught exception(s) and ${unhandled.length} unhandled rejection(s)`,
      );
    },
  };
}
