import { createHash } from 'node:crypto';

/**
 * A Lua script and its SHA1, computed once: `evalScript(script, keys, args)` sends EVALSHA and falls
 * back to EVAL on NOSCRIPT. In `pipeline()` and `multi()` the first call of a script in the batch is
 * sent as EVAL (the server caches it) and later ones as EVALSHA, so no NOSCRIPT can happen inside
 * EXEC, and nothing is sent outside the batch.
 */
export class Script {
  readonly sha1: string;

  constructor(readonly source: string | Buffer) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }
}

/** `defineScript(source)`: a Script to keep and call with `evalScript`. */
export function defineScript(source: string | Buffer): Script {
  return new Script(source);
}

export function toScript(script: Script | string | Buffer): Script {
  return script instanceof Script ? script : new Script(script);
}
