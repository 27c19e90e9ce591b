import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The package's entry points: `nestjs-redis-sentinel/client` must not pull NestJS in (a client-only
// service pays nothing for the Nest module); the root exports the client and the Nest module.

const distSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Every bare package a compiled module imports, following its relative imports (static and dynamic). */
function packagesImportedBy(file: string, seen = new Set<string>(), found = new Set<string>()): Set<string> {
  if (seen.has(file)) return found;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) packagesImportedBy(path.resolve(path.dirname(file), spec), seen, found);
    else found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return found;
}

test('nestjs-redis-sentinel/client imports no @nestjs package, rxjs or reflect-metadata', () => {
  const packages = [...packagesImportedBy(path.join(distSrc, 'client.js'))];
  assert.deepEqual(
    packages.filter((p) => p.startsWith('@nestjs/') || p === 'rxjs' || p === 'reflect-metadata'),
    [],
  );
  assert.ok(packages.includes('redis-parser'), `expected redis-parser among ${packages.join(', ')}`);
});

test('the package root does bring in the Nest module (the walk above sees it)', () => {
  assert.ok(packagesImportedBy(path.join(distSrc, 'index.js')).has('@nestjs/common'));
});

test('the package exports map: /client and the root resolve to the compiled entries', async () => {
  // Through the package's own name, as a user imports it (a variable keeps tsc from resolving it at build time).
  const names = ['nestjs-redis-sentinel/client', 'nestjs-redis-sentinel'];
  assert.equal(import.meta.resolve(names[0]!), pathToFileURL(path.join(distSrc, 'client.js')).href);
  assert.equal(import.meta.resolve(names[1]!), pathToFileURL(path.join(distSrc, 'index.js')).href);
  const client = (await import(names[0]!)) as Record<string, unknown>;
  assert.equal(typeof client.createSentinel, 'function');
});

test('the client entry and the root export the same client API; the root adds the Nest module', async () => {
  const client = await import('../../src/client.js');
  const root = await import('../../src/index.js');
  for (const name of Object.keys(client)) {
    assert.equal((root as Record<string, unknown>)[name], (client as Record<string, unknown>)[name], name);
  }
  for (const name of ['createSentinel', 'createSentinelPool', 'createRedis', 'RedisSentinel', 'MasterNotFoundError']) {
    assert.equal(typeof (client as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal('SentinelModule' in client, false);
  assert.equal(typeof root.SentinelModule, 'function');
});

const INTEGRATION_PACKAGES = [
  '@nestjs/cache-manager',
  'cache-manager',
  'keyv',
  '@nestjs/throttler',
  '@nestjs/microservices',
  '@nestjs/terminus',
];

test('the root and /client load none of the integration packages (optional peers)', () => {
  for (const entry of ['index.js', 'client.js']) {
    const packages = packagesImportedBy(path.join(distSrc, entry));
    assert.deepEqual(
      INTEGRATION_PACKAGES.filter((p) => packages.has(p)),
      [],
      `${entry} imports ${[...packages].join(', ')}`,
    );
  }
});

test('/cache and /throttler resolve through the exports map and load no framework package at run time', async () => {
  for (const [name, file, exported] of [
    ['nestjs-redis-sentinel/cache', 'cache/index.js', 'SentinelKeyvStore'],
    ['nestjs-redis-sentinel/throttler', 'throttler/index.js', 'SentinelThrottlerStorage'],
  ] as const) {
    assert.equal(import.meta.resolve(name), pathToFileURL(path.join(distSrc, file)).href);
    const packages = packagesImportedBy(path.join(distSrc, file));
    assert.deepEqual(
      INTEGRATION_PACKAGES.filter((p) => packages.has(p)),
      [],
      `${file}: ${[...packages].join(', ')}`,
    );
    const loaded = (await import(name)) as Record<string, unknown>;
    assert.equal(typeof loaded[exported], 'function');
  }
});
