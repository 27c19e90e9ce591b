import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Which server family the testing kit runs: Redis (`redis-server`) or Valkey (`valkey-server`). */
export type ServerKind = 'redis' | 'valkey';

interface KindInfo {
  /** The binary Debian installs; Sentinel mode is the same binary with `--sentinel`. */
  binary: string;
  /** An environment variable that points at another build (for example a newer release). */
  override: string;
  /** What to install when the binary is missing. */
  install: string;
}

const KINDS: Record<ServerKind, KindInfo> = {
  redis: {
    binary: 'redis-server',
    override: 'REDIS_SERVER_BIN',
    install: 'install the Debian package redis-server (apt-get install -y redis-server)',
  },
  valkey: {
    binary: 'valkey-server',
    override: 'VALKEY_SERVER_BIN',
    install:
      'install valkey-server 8 (Debian 12: add bookworm-backports, then apt-get install -y -t bookworm-backports valkey-server valkey-sentinel; or run node scripts/ensure-env.mjs as root)',
  },
};

/** The kind named by an option, `'redis'` when absent; a TypeError for anything else. */
export function serverKind(value: unknown): ServerKind {
  if (value === undefined) return 'redis';
  if (value === 'redis' || value === 'valkey') return value;
  throw new TypeError(`server must be 'redis' or 'valkey', got ${JSON.stringify(value)}`);
}

/** The command the kit spawns for `kind`: the override variable when set, else the binary's name. */
export function serverCommand(kind: ServerKind): string {
  return process.env[KINDS[kind].override] || KINDS[kind].binary;
}

/** The binary's usual name (`valkey-server`), for messages. */
export function serverBinaryName(kind: ServerKind): string {
  return KINDS[kind].binary;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Throws an Error saying what to install when the command for `kind` cannot be run; checked before a
 * temporary folder is made, so a missing binary fails at once instead of as a spawn error with a log tail.
 */
export function assertServerInstalled(kind: ServerKind): void {
  const command = serverCommand(kind);
  const found = command.includes('/')
    ? isExecutableFile(command)
    : (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutableFile(join(dir, command)));
  if (found) return;
  const where = command.includes('/')
    ? `${command} (from ${KINDS[kind].override}) is not an executable file`
    : `${command} is not on PATH`;
  throw new Error(`Cannot start a ${kind} server: ${where}; ${KINDS[kind].install}`);
}
