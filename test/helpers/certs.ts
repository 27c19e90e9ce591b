import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its key, as PEM text and as files (redis-server reads the files). */
export interface CertFiles {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TestCerts {
  dir: string;
  /** The CA that signed `server` and `localhostOnly`. */
  ca: CertFiles;
  /** A second, unrelated CA: a client trusting only it must refuse every server here. */
  otherCa: CertFiles;
  /** Server (and replication client) certificate with SAN `DNS:localhost, IP:127.0.0.1`. */
  server: CertFiles;
  /** Server certificate with SAN `DNS:localhost` only: a client dialling 127.0.0.1 needs `servername: 'localhost'`. */
  localhostOnly: CertFiles;
  /** Removes the folder. */
  remove(): Promise<void>;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: error });
  }
}

async function files(dir: string, name: string): Promise<CertFiles> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return {
    cert: await readFile(certFile, 'utf8'),
    key: await readFile(keyFile, 'utf8'),
    certFile,
    keyFile,
  };
}

/** P-256 keys: quick to generate, accepted by redis-server and Node. */
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string, cn: string): Promise<CertFiles> {
  await openssl(
    dir,
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  return files(dir, name);
}

async function makeLeaf(dir: string, name: string, ca: string, san: string): Promise<CertFiles> {
  await openssl(
    dir,
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    '/CN=localhost',
  );
  const ext = join(dir, `${name}.ext`);
  await writeFile(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      // clientAuth too: a replica (and a sentinel) presents this certificate when it connects to a master.
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${san}`,
      '',
    ].join('\n'),
  );
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
    '-days',
    '2',
    '-out',
    `${name}.crt`,
    '-extfile',
    ext,
  );
  return files(dir, name);
}

/** Generates two CAs and two server certificates with openssl in a fresh temporary folder. */
export async function generateCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'nrs-certs-'));
  try {
    const [ca, otherCa] = await Promise.all([
      makeCa(dir, 'ca', 'nrs test CA'),
      makeCa(dir, 'other-ca', 'nrs other CA'),
    ]);
    const [server, localhostOnly] = await Promise.all([
      makeLeaf(dir, 'server', 'ca', 'DNS:localhost,IP:127.0.0.1'),
      makeLeaf(dir, 'localhost-only', 'ca', 'DNS:localhost'),
    ]);
    return { dir, ca, otherCa, server, localhostOnly, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
