/** Keeps secrets out of `util.inspect` (and console.log) of the objects that hold options. */
import { Socket } from 'node:net';

/** Option names whose values are secrets: passwords, and TLS private key material (`ssl`, `sentinelTls`). */
const SECRET_KEYS = new Set(['password', 'sentinelPassword', 'passphrase', 'key', 'pfx']);

const REDACTED = '[redacted]';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A copy of an options object with every secret replaced by `'[redacted]'`, nested plain objects included. */
function redactSecrets(value: unknown, depth = 0): unknown {
  // A TLS socket keeps its connect options (TLS key, passphrase) under a symbol: show a summary instead.
  if (value instanceof Socket) return socketSummary(value);
  if (!isPlainObject(value) || depth > 3) return value;
  const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.has(k) && v !== undefined && v !== null ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}

function socketSummary(socket: Socket): Record<string, unknown> {
  const tls = socket as Socket & { encrypted?: boolean; authorized?: boolean };
  return {
    remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    local: `${socket.localAddress ?? '?'}:${socket.localPort ?? '?'}`,
    encrypted: tls.encrypted === true,
    ...(tls.encrypted === true ? { authorized: tls.authorized === true } : {}),
    destroyed: socket.destroyed,
  };
}

const viewClasses = new Map<string, new () => object>();
/** One view per instance, so util.inspect sees cycles (pool -> managed pool -> pool) as [Circular]. */
const views = new WeakMap<object, Record<string, unknown>>();

/**
 * What `[inspect.custom]` of a class that keeps options returns: the instance's own fields under the
 * class name, with secrets in plain-object fields (options) redacted and sockets summarised.
 */
export function redactedView(instance: object): object {
  let view = views.get(instance);
  if (view === undefined) {
    const name = instance.constructor.name;
    let View = viewClasses.get(name);
    if (View === undefined) {
      // A class of the same name, without the hook, so the view prints as `SentinelPool { ... }`.
      View = { [name]: class {} }[name]!;
      viewClasses.set(name, View);
    }
    view = new View() as Record<string, unknown>;
    views.set(instance, view);
  }
  for (const [k, v] of Object.entries(instance)) view[k] = redactSecrets(v);
  return view;
}
