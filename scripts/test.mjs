#!/usr/bin/env node
// `npm test`: set up, build, lint, check formatting, then run the compiled tests.
//
//   npm test                        everything
//   npm test -- pool                only test files whose path contains "pool" (still builds and checks)
//   npm test -- pool sentinel       files matching any of the substrings
//   npm test -- --test-name-pattern=failover
//                                   arguments starting with "-" go to `node --test` (use the --flag=value form)
//   npm test -- --skip-checks pool  skip lint and format:check (quick local iteration only)
//
// Tests are the files dist/test/**/*.test.js whose source test/**/*.test.ts still exists (stale
// outputs of deleted tests are skipped). The runner prints node's spec report and keeps each run in a
// folder of its own, .tmp/test-runs/<ISO time stamp>/: the TAP reports main.tap and faults.tap, and
// main.log / faults.log with everything each `node --test` printed (the last 20 runs are kept). It
// ends with the folder, the test files that failed, and the TAP summary lines of both runs added up
// (`# tests N`, `# pass N`, `# fail N`, ...).

import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureEnv, repoRoot } from './ensure-env.mjs';

const started = performance.now();
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const args = process.argv.slice(2);
const skipChecks = args.includes('--skip-checks');
const nodeTestArgs = args.filter((a) => a.startsWith('-') && a !== '--skip-checks');
const filters = args.filter((a) => !a.startsWith('-'));

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

function wallTime() {
  return `[test] total wall time: ${seconds(performance.now() - started)}`;
}

function failStep(name, detail) {
  console.error(`\n[test] FAILED at step "${name}"${detail ? `: ${detail}` : ''}`);
  console.error(wallTime());
  process.exit(1);
}

/** Run one step with inherited stdio; stop everything if it fails. */
function step(name, command, commandArgs) {
  console.log(`\n[test] ==> ${name}: ${[command, ...commandArgs].join(' ')}`);
  const t0 = performance.now();
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', cwd: repoRoot });
  if (result.error) failStep(name, result.error.message);
  if (result.status !== 0) failStep(name, `exit ${result.status ?? result.signal}`);
  console.log(`[test] <== ${name} ok (${seconds(performance.now() - t0)})`);
}

/** All files under dir (recursive), as paths relative to repoRoot with forward slashes. */
function walk(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(path.relative(repoRoot, full).split(path.sep).join('/'));
  }
  return out;
}

/** dist/test/a/b.test.js -> does test/a/b.test.{ts,mts,js,mjs} exist? */
function hasSource(distFile) {
  const base = distFile.replace(/^dist\//, '').replace(/\.js$/, '');
  return ['.ts', '.mts', '.js', '.mjs'].some((ext) => existsSync(path.join(repoRoot, base + ext)));
}

function findTestFiles() {
  const all = walk(path.join(repoRoot, 'dist', 'test'))
    .filter((f) => f.endsWith('.test.js'))
    .toSorted();
  const stale = all.filter((f) => !hasSource(f));
  if (stale.length > 0) console.log(`[test] skipping ${stale.length} stale compiled test(s): ${stale.join(', ')}`);
  const current = all.filter((f) => hasSource(f));
  if (filters.length === 0) return current;
  return current.filter((f) => filters.some((s) => f.includes(s)));
}

// 1. environment: npm packages, redis-server, valkey, chromium (the timeline render test)
console.log('[test] ==> ensure-env');
ensureEnv({ browser: true });

// 2. build everything (src, test, sample-app/src, bench) into dist/
step('build:all', npm, ['run', '--silent', 'build:all']);

// 3. lint and formatting
if (skipChecks) {
  console.log('\n[test] --skip-checks: skipping lint and format:check');
} else {
  step('lint', npm, ['run', '--silent', 'lint']);
  step('format:check', npm, ['run', '--silent', 'format:check']);
}

// 4. tests
const files = findTestFiles();
if (files.length === 0) {
  failStep(
    'tests',
    filters.length > 0
      ? `no test file under dist/test matches ${filters.map((f) => JSON.stringify(f)).join(' or ')}`
      : 'no test files found (dist/test/**/*.test.js)',
  );
}

const runsDir = path.join(repoRoot, '.tmp', 'test-runs');
const KEEP_RUNS = 20;
// Colons are not allowed in Windows file names; the stamp still sorts by time.
const runDir = path.join(runsDir, new Date().toISOString().replace(/:/g, '-'));
mkdirSync(runDir, { recursive: true });
const runLabel = path.relative(repoRoot, runDir).split(path.sep).join('/');

/** Removes the oldest run folders beyond KEEP_RUNS (names are ISO time stamps, so they sort by age). */
function pruneRuns() {
  const all = readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .toSorted();
  for (const name of all.slice(0, Math.max(0, all.length - KEEP_RUNS)))
    rmSync(path.join(runsDir, name), { recursive: true, force: true });
}

/** Runs `command` with its output shown and copied to `logFile`; resolves with its exit status or signal. */
function tee(command, commandArgs, logFile) {
  return new Promise((resolve) => {
    const log = createWriteStream(logFile);
    const child = spawn(command, commandArgs, { cwd: repoRoot, stdio: ['inherit', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      log.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      log.write(chunk);
    });
    let error;
    child.on('error', (e) => (error = e));
    child.on('close', (status, signal) => log.end(() => resolve({ error, status, signal })));
  });
}

/** Test files with a failing (or cancelled) test in a TAP report: the `location:` of each `not ok`. */
function failingFiles(tapFile) {
  if (!existsSync(tapFile)) return [];
  const lines = readFileSync(tapFile, 'utf8').split('\n');
  const found = new Set();
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*not ok \d+/.test(lines[i])) continue;
    for (let j = i + 1; j < lines.length && !/^\s*\.\.\.$/.test(lines[j]); j++) {
      const at = /^\s*location: '(.*):\d+:\d+'$/.exec(lines[j]);
      if (at) {
        found.add(path.relative(repoRoot, at[1]).split(path.sep).join('/'));
        break;
      }
    }
  }
  return [...found].toSorted();
}

/** Runs one `node --test` over `list`; returns its exit status, the TAP summary counts and the failing files. */
async function runTests(name, list, concurrency, fileTimeoutMs) {
  const tapFile = path.join(runDir, `${name}.tap`);
  const logFile = path.join(runDir, `${name}.log`);
  const testArgs = [
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${fileTimeoutMs}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...nodeTestArgs,
    ...list,
  ];
  console.log(`\n[test] ==> tests (${name}, concurrency ${concurrency}): ${list.length} file(s)`);
  for (const f of list) console.log(`[test]     ${f}`);
  const t0 = performance.now();
  const result = await tee(process.execPath, testArgs, logFile);
  const counts = {};
  if (existsSync(tapFile)) {
    const lines = readFileSync(tapFile, 'utf8').trimEnd().split('\n');
    for (let i = lines.length - 1; i >= 0 && /^# \w+ /.test(lines[i]); i--) {
      const [, key, value] = /^# (\w+) (\S+)/.exec(lines[i]);
      counts[key] = Number(value);
    }
  }
  const ok = !result.error && result.status === 0;
  const why = ok ? '' : result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
  console.log(`[test] <== tests (${name}) ${ok ? 'ok' : `FAILED: ${why}`} (${seconds(performance.now() - t0)})`);
  return { name, ok, counts, failing: ok ? [] : failingFiles(tapFile) };
}

// The fault suite runs alone after the rest: its 50 writers and repeated failovers starve a
// parallel file of CPU, and a starved sentinel may fail over by itself (losing what async
// replication had not copied yet), which is not what either test is about.
const isFault = (f) => f.includes('/faults/');
const runs = [];
const t0 = performance.now();
const main = files.filter((f) => !isFault(f));
const faults = files.filter(isFault);
if (main.length > 0) runs.push(await runTests('main', main, 2, 120_000));
// 20 graceful failovers take about 4 minutes.
if (faults.length > 0) runs.push(await runTests('faults', faults, 1, 600_000));
pruneRuns();
const testMs = performance.now() - t0;

const keys = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];
const total = Object.fromEntries(keys.map((k) => [k, runs.reduce((n, r) => n + (r.counts[k] ?? 0), 0)]));
const ok = runs.every((r) => r.ok);
console.log('');
console.log(
  `[test] reports and logs of this run: ${runLabel}/ (${runs.map((r) => `${r.name}.tap, ${r.name}.log`).join(', ')})`,
);
if (!ok) {
  console.log(`[test] FAILED at step "tests"`);
  for (const r of runs.filter((run) => !run.ok)) {
    const names =
      r.failing.length > 0 ? r.failing.join(', ') : `none named in the TAP report: see ${runLabel}/${r.name}.log`;
    console.log(`[test] failing test files (${r.name}): ${names}`);
  }
}
console.log(`[test] tests took ${seconds(testMs)}`);
console.log(wallTime());
// Node's TAP summary lines, added up over both runs: the last lines CI reads.
for (const k of keys) console.log(`# ${k} ${total[k]}`);
console.log(`# duration_ms ${Math.round(testMs)}`);
console.log(`tests: ${total.pass} passed, ${total.fail + total.cancelled} failed, ${total.skipped} skipped`);
process.exit(ok ? 0 : 1);
