import { join } from 'node:path';
import type { RedisServerOptions, SentinelServerOptions } from './redis-server.js';

export const HOST = '127.0.0.1';

/** Quotes a value for redis.conf (sdssplitargs syntax), so passwords may hold spaces or quotes. */
function quote(value: string | number): string {
  const s = String(value);
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function line(...parts: (string | number)[]): string {
  return parts.map((p, i) => (i === 0 ? String(p) : quote(p))).join(' ');
}

/** A data node's config file; Redis 7.0 and Valkey 8 accept the same directives. */
export function renderServerConfig(dir: string, port: number, o: RedisServerOptions): string {
  const masterauth = o.masterauth ?? o.password;
  const lines = [
    line('port', port),
    line('bind', HOST),
    line('protected-mode', 'no'),
    line('daemonize', 'no'),
    line('save', ''),
    line('appendonly', 'no'),
    line('dir', dir),
    line('logfile', join(dir, 'redis.log')),
    line('enable-debug-command', 'yes'),
    // The default 5 s delay before a diskless full sync would slow every topology start.
    line('repl-diskless-sync-delay', 0),
    // Tests end processes often; do not wait for lagging replicas on SIGTERM.
    line('shutdown-on-sigterm', 'nosave now'),
  ];
  if (o.password !== undefined) lines.push(line('requirepass', o.password));
  if (masterauth !== undefined) lines.push(line('masterauth', masterauth));
  if (o.replicaOf) lines.push(line('replicaof', o.replicaOf[0], o.replicaOf[1]));
  return `${lines.join('\n')}\n`;
}

/** A sentinel's config file; Valkey 8 keeps Redis's `sentinel ...` directives (and their `master` spelling). */
export function renderSentinelConfig(dir: string, port: number, o: SentinelServerOptions): string {
  const lines = [
    line('port', port),
    line('bind', HOST),
    line('protected-mode', 'no'),
    line('daemonize', 'no'),
    line('dir', dir),
    line('logfile', join(dir, 'sentinel.log')),
    line('sentinel', 'resolve-hostnames', 'no'),
  ];
  if (o.password !== undefined) {
    lines.push(line('requirepass', o.password));
    // Sentinels share one password, and use it to talk to each other.
    lines.push(line('sentinel', 'sentinel-pass', o.password));
  }
  for (const m of o.monitors) {
    lines.push(line('sentinel', 'monitor', m.name, m.host, m.port, m.quorum));
    lines.push(line('sentinel', 'down-after-milliseconds', m.name, m.downAfterMs ?? 1_000));
    lines.push(line('sentinel', 'failover-timeout', m.name, m.failoverTimeoutMs ?? 3_000));
    if (m.authPass !== undefined) lines.push(line('sentinel', 'auth-pass', m.name, m.authPass));
  }
  return `${lines.join('\n')}\n`;
}
