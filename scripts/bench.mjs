#!/usr/bin/env node
// `npm run bench`: set up (npm packages, redis-server), build, run the benchmarks.
// Extra arguments are passed to the benchmark: `npm run bench -- --help`.
// Placeholder: the benchmark owners replace the target below.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureEnv, repoRoot } from './ensure-env.mjs';

const target = path.join(repoRoot, 'dist', 'bench', 'bench.js');

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

const result = spawnSync(process.execPath, [target, ...process.argv.slice(2)], { stdio: 'inherit', cwd: repoRoot });
process.exit(result.status ?? 1);
