import type { Address, AddressInput } from './types.js';

export interface ParsedAddress {
  host: string;
  port: number;
  /** True for `rediss://` or `{ tls: true }`. */
  tls: boolean;
}

/** The entry for an error message; credentials (`redis://user:pass@`, `password` fields) are hidden. */
function describe(entry: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(entry, (key, value: unknown) => (/pass/i.test(key) ? '[redacted]' : value)) ?? String(entry);
  } catch {
    text = String(entry);
  }
  return text.replace(/(rediss?:\/\/)[^@/\s"]*@/gi, '$1[redacted]@');
}

function checkPort(port: unknown, entry: unknown): number {
  const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new TypeError(`Invalid address ${describe(entry)}: port must be an integer from 1 to 65535`);
  }
  return n;
}

function checkHost(host: unknown, entry: unknown): string {
  if (typeof host !== 'string' || host.length === 0) {
    throw new TypeError(`Invalid address ${describe(entry)}: host must be a non-empty string`);
  }
  return host;
}

/** Parses `[host, port]`, `{ host, port }`, `'host:port'`, `'redis://host:port'` or `'rediss://host:port'`. */
export function parseAddress(entry: AddressInput | unknown): ParsedAddress {
  if (Array.isArray(entry)) {
    if (entry.length !== 2) throw new TypeError(`Invalid address ${describe(entry)}: expected [host, port]`);
    return { host: checkHost(entry[0], entry), port: checkPort(entry[1], entry), tls: false };
  }
  if (typeof entry === 'string') {
    if (/^rediss?:\/\/[^/]*@/.test(entry)) {
      // Credentials in an address would be silently ignored (or logged): they belong in the options.
      throw new TypeError(
        `Invalid address ${describe(entry)}: credentials in the URL are not used; pass username/password (or sentinelUsername/sentinelPassword) as options`,
      );
    }
    const url = /^(rediss?):\/\/(\[[^\]]+\]|[^:/@]+)(?::(\d+))?\/?$/.exec(entry);
    if (url) {
      const host = url[2]!.replace(/^\[|\]$/g, '');
      return { host, port: checkPort(url[3] ?? '6379', entry), tls: url[1] === 'rediss' };
    }
    const plain = /^(\[[^\]]+\]|[^:\s]+|[0-9a-fA-F:]+):(\d+)$/.exec(entry);
    if (plain) return { host: plain[1]!.replace(/^\[|\]$/g, ''), port: checkPort(plain[2], entry), tls: false };
    throw new TypeError(
      `Invalid address ${describe(entry)}: expected 'host:port', 'redis://host:port' or 'rediss://host:port'`,
    );
  }
  if (entry !== null && typeof entry === 'object') {
    const o = entry as { host?: unknown; port?: unknown; tls?: unknown };
    return { host: checkHost(o.host, entry), port: checkPort(o.port, entry), tls: o.tls === true };
  }
  throw new TypeError(`Invalid address ${describe(entry)}: expected [host, port], { host, port } or 'host:port'`);
}

/** Validates a non-empty list of sentinel addresses; a bare `[host, port]` is refused with a hint. */
export function parseAddressList(entries: unknown): ParsedAddress[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new TypeError(`sentinels must be a non-empty array of addresses, got ${describe(entries)}`);
  }
  if (entries.length === 2 && typeof entries[0] === 'string' && typeof entries[1] === 'number') {
    throw new TypeError(
      `Invalid sentinels ${describe(entries)}: this looks like one [host, port]; pass an array of addresses: [[host, port]]`,
    );
  }
  return entries.map((e) => parseAddress(e));
}

export function formatAddress(a: { host: string; port: number } | Address): string {
  const [host, port] = Array.isArray(a) ? a : [a.host, a.port];
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True when both are set and name the same host and port. */
export function sameAddress(a: Address | null | undefined, b: Address | null | undefined): boolean {
  return a != null && b != null && a[0] === b[0] && a[1] === b[1];
}
