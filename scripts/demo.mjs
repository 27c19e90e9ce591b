#!/usr/bin/env node
// `npm run demo`: set up (npm packages, redis-server), build, run the sample app's demo.
// Extra arguments are passed to the demo: `npm run demo -- --help`, `npm run demo -- --failover --kind kill`.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureEnv, repoRoot } from './ensure-env.mjs';

const target = path.join(repoRoot, 'dist', 'sample-app', 'src', 'demo.js');

ensureEnv();

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', '--silent', 'build:all'], { stdio: 'inherit', cwd: repoRoot });
if (build.status !== 0) {
  console.error(`[demo] build failed (exit ${build.status ?? build.signal ?? build.error?.message})`);
  process.exit(1);
}

if (!existsSync(target)) {
  console.error(`[demo] the build did not write ${path.relative(repoRoot, target)}`);
  process.exit(1);
}

const result = spawnSync(process.execPath, [target, ...process.argv.slice(2)], { stdio: 'inherit', cwd: repoRoot });
process.exit(result.status ?? 1);
