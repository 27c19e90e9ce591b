#!/usr/bin/env node
// `npm run bench`: set up (npm packages, redis-server), build, run the throughput benchmark
// (dist/bench/bench.js). `npm run bench:failover` (this script with `--failover`) runs
// dist/bench/failover.js instead. Other arguments are passed on: `npm run bench -- --help`.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { ensureEnv, repoRoot } from './ensure-env.mjs';

const args = process.argv.slice(2);
const failover = args.includes('--failover');
const target = path.join(repoRoot, 'dist', 'bench', failover ? 'failover.js' : 'bench.js');
const passOn = args.filter((a) => a !== '--failover');

ensureEnv();

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', '--silent', 'build:all'], { stdio: 'inherit', cwd: repoRoot });
if (build.status !== 0) {
  console.error(`[bench] build failed (exit ${build.status ?? build.signal ?? build.error?.message})`);
  process.exit(1);
}

if (!existsSync(target)) {
  console.error(`[bench] not yet implemented (${path.relative(repoRoot, target)} does not exist)`);
  process.exit(1);
}

// Not spawnSync: a signal sent to this process alone is passed on, so the benchmark can stop its servers.
const child = spawn(process.execPath, [target, ...passOn], { stdio: 'inherit', cwd: repoRoot });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
