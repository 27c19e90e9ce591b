export interface WaitForOptions {
  /** Give up after this many ms. Default 10 000. */
  timeoutMs?: number;
  /** Pause between two checks, in ms. Default 25. */
  intervalMs?: number;
  /** Whether a thrown error means "not yet" (retry) or "never" (reject at once). Default: always retry. */
  retryIf?: (error: unknown) => boolean;
}

/** The value of a satisfied check; `undefined`, `null` and `false` mean "not yet". */
export type WaitCheck<T> = () => Promise<T | undefined | null | false> | T | undefined | null | false;

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Polls `check` until it returns a value, and resolves with it. On the deadline it rejects with an
 * Error naming `what` and the last error the check threw, so a failing test says what never happened.
 */
export async function waitFor<T>(what: string, check: WaitCheck<T>, options: WaitForOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      if (options.retryIf && !options.retryIf(error)) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError === undefined ? '' : ` (last error: ${describeError(lastError)})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(1, deadline - Date.now()))));
  }
}
