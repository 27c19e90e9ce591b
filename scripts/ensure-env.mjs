#!/usr/bin/env node
// Shared set-up for `npm test`, `npm run demo`, `npm run bench` and CI.
//
// On a fresh clone with only Node and npm this:
//   1. installs npm packages (`npm ci`, or `npm install` without a lock file)
//      when node_modules is missing or older than package-lock.json;
//   2. makes sure `redis-server` is on PATH, installing the Debian package
//      `redis-server` with apt-get when running as root;
//   3. makes sure `valkey-server` and `valkey-sentinel` are on PATH, installing
//      them from bookworm-backports (adding that source when it is missing) on
//      Debian 12, or from the default suites elsewhere, when running as root;
//   4. with `browser: true` (`npm test`), makes sure `chromium` is on PATH (the
//      test that renders the failover timeline SVG takes a headless screenshot),
//      installing the Debian package `chromium` when running as root.
//
// It never relies on a system redis or valkey listening on 6379 / 26379: tests
// and the demo start their own processes on ports they pick, and the packages'
// own services are kept from starting (policy-rc.d) and disabled.
//
// Usage: `import { ensureEnv } from './ensure-env.mjs'; ensureEnv();` (`ensureEnv({ browser: true })`)
//    or: `node scripts/ensure-env.mjs`

import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const REDIS_MISSING =
  'redis-server is missing: install the Debian package redis-server (apt-get install -y redis-server)';
const CHROMIUM_MISSING =
  'chromium is missing (a test renders an SVG in it headless): install the Debian package chromium (apt-get install -y chromium)';
const VALKEY_PACKAGES = ['valkey-server', 'valkey-sentinel'];
const BACKPORTS_LINE = 'deb http://deb.debian.org/debian bookworm-backports main';
const BACKPORTS_FILE = '/etc/apt/sources.list.d/bookworm-backports.list';
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

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

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The Debian codename from /etc/os-release (`bookworm`), or '' elsewhere. */
function debianCodename() {
  const match = /^VERSION_CODENAME=("?)([^"\n]*)\1$/m.exec(readText('/etc/os-release'));
  return match ? match[2] : '';
}

/** Whether any apt source (one-line or deb822 format) already names the bookworm-backports suite. */
function hasBackportsSource() {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const name of readdirSync('/etc/apt/sources.list.d')) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(`/etc/apt/sources.list.d/${name}`);
    }
  } catch {
    // no sources.list.d
  }
  return files.some((file) =>
    readText(file)
      .split('\n')
      .some((line) => !line.trimStart().startsWith('#') && /\bbookworm-backports\b/.test(line)),
  );
}

/**
 * apt-get install with the packages' services kept from starting: a service on 6379 / 26379 would
 * outlive the install, and the tests never use one. A policy-rc.d answering 101 ("action forbidden")
 * is what Debian's invoke-rc.d and deb-systemd-invoke both honour; one already present is kept.
 */
function aptInstall(packages, extraArgs = []) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy)
    writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by ensure-env.mjs during apt-get install\nexit 101\n', {
      mode: 0o755,
    });
  try {
    run('apt-get', ['update'], { env });
    run('apt-get', ['install', '-y', ...extraArgs, ...packages], { env });
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
  }
  disableServices(packages);
}

/** On a machine booted with systemd, keeps the packages' units from starting at the next boot (or now). */
function disableServices(packages) {
  if (!existsSync('/run/systemd/system') || !which('systemctl')) return;
  for (const unit of packages) {
    const result = spawnSync('systemctl', ['disable', '--now', unit], { stdio: 'ignore' });
    if (result.status === 0) log(`disabled the ${unit} service`);
  }
}

function ensureRedisServer() {
  if (which('redis-server')) return;
  if (!isRoot()) fail(REDIS_MISSING);
  log('redis-server is not on PATH: installing the Debian package redis-server');
  aptInstall(['redis-server']);
  if (!which('redis-server')) fail(`${REDIS_MISSING} (apt-get install finished but redis-server is still not on PATH)`);
}

function ensureValkey() {
  const missing = VALKEY_PACKAGES.filter((name) => !which(name));
  if (missing.length === 0) return;
  const bookworm = debianCodename() === 'bookworm';
  const advice = bookworm
    ? `add "${BACKPORTS_LINE}" to /etc/apt/sources.list.d/ and run apt-get install -y -t bookworm-backports ${VALKEY_PACKAGES.join(' ')}`
    : `apt-get install -y ${VALKEY_PACKAGES.join(' ')}`;
  const message = `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing (the tests also run on Valkey 8): as root, ${advice}`;
  if (!isRoot()) fail(message);
  log(
    `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not on PATH: installing ${VALKEY_PACKAGES.join(' ')}`,
  );
  if (bookworm && !hasBackportsSource()) {
    log(`adding the bookworm-backports source (${BACKPORTS_FILE})`);
    writeFileSync(BACKPORTS_FILE, `${BACKPORTS_LINE}\n`);
  }
  aptInstall(VALKEY_PACKAGES, bookworm ? ['-t', 'bookworm-backports'] : []);
  const still = VALKEY_PACKAGES.filter((name) => !which(name));
  if (still.length > 0) fail(`${message} (apt-get install finished but ${still.join(' and ')} still not on PATH)`);
}

function ensureChromium() {
  if (which('chromium')) return;
  if (!isRoot()) fail(CHROMIUM_MISSING);
  log('chromium is not on PATH: installing the Debian package chromium');
  aptInstall(['chromium']);
  if (!which('chromium')) fail(`${CHROMIUM_MISSING} (apt-get install finished but chromium is still not on PATH)`);
}

/**
 * Make sure npm packages, the servers and the browser are present. Exits the process on failure.
 * `servers` picks which server families to install (both by default, since `npm test` runs on both);
 * `browser: true` adds chromium (only `npm test` needs it, for the timeline render test).
 */
export function ensureEnv({ servers = ['redis', 'valkey'], browser = false } = {}) {
  ensureNodeModules();
  if (servers.includes('redis')) ensureRedisServer();
  if (servers.includes('valkey')) ensureValkey();
  if (browser) ensureChromium();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureEnv({ browser: true });
  log(
    `ok (redis-server: ${which('redis-server')}, valkey-server: ${which('valkey-server')}, chromium: ${which('chromium')})`,
  );
}
