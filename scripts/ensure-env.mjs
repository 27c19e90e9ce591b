#!/usr/bin/env node
// Shared set-up for `npm test`, `npm run demo`, `npm run bench` and CI.
//
// On a fresh clone with only Node and npm this:
//   1. installs npm packages (`npm ci`, or `npm install` without a lock file)
//      when node_modules is missing or older than package-lock.json;
//   2. makes sure `redis-server` is on PATH, installing the Debian package
//      `redis-server` with apt-get when running as root.
//
// It never relies on a system redis listening on 6379: tests and the demo
// start their own redis-server processes on ports they pick.
//
// Usage: `import { ensureEnv } from './ensure-env.mjs'; ensureEnv();`
//    or: `node scripts/ensure-env.mjs`

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const REDIS_MISSING =
  'redis-server is missing: install the Debian package redis-server (apt-get install -y redis-server)';

function log(message) {
  console.log(`[ensure-env] ${message}`);
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** Run a command with inherited stdio; exit the process if it fails. */
function run(command, args, options = {}) {
  log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: repoRoot, ...options });
  if (result.error) fail(`[ensure-env] could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    fail(`[ensure-env] ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
}

/** Why node_modules needs (re)installing, or null when it is up to date. */
function installReason() {
  const nodeModules = path.join(repoRoot, 'node_modules');
  const lock = path.join(repoRoot, 'package-lock.json');
  const hiddenLock = path.join(nodeModules, '.package-lock.json');
  if (!existsSync(nodeModules)) return 'node_modules is missing';
  if (!existsSync(lock)) return null;
  if (!existsSync(hiddenLock)) return 'node_modules/.package-lock.json is missing';
  if (statSync(lock).mtimeMs > statSync(hiddenLock).mtimeMs) return 'package-lock.json is newer than node_modules';
  return null;
}

function ensureNodeModules() {
  const reason = installReason();
  if (!reason) return;
  const hasLock = existsSync(path.join(repoRoot, 'package-lock.json'));
  log(`${reason}: installing npm packages`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund']);
  // Mark node_modules as fresh so an unchanged lock does not trigger another install.
  const hiddenLock = path.join(repoRoot, 'node_modules', '.package-lock.json');
  if (existsSync(hiddenLock)) {
    const now = new Date();
    utimesSync(hiddenLock, now, now);
  }
}

/** Absolute path of an executable on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function ensureRedisServer() {
  if (which('redis-server')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) fail(REDIS_MISSING);
  log('redis-server is not on PATH: installing the Debian package redis-server');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', 'redis-server'], { env });
  if (!which('redis-server')) fail(`${REDIS_MISSING} (apt-get install finished but redis-server is still not on PATH)`);
}

/** Make sure npm packages and redis-server are present. Exits the process on failure. */
export function ensureEnv() {
  ensureNodeModules();
  ensureRedisServer();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureEnv();
  log(`ok (redis-server: ${which('redis-server')})`);
}
