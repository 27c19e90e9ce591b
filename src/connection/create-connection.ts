import net from 'node:net';
import tls from 'node:tls';
import { formatAddress, parseAddress } from '../address.js';
import { ConnectionClosedError, TimeoutError } from '../errors.js';
import { withTimeout } from '../timeout.js';
import type { AddressInput, ConnectionOptions } from '../types.js';
import { buffersFor } from './command.js';
import { CONNECTION_DEFAULTS } from './defaults.js';
import { RedisConnection } from './connection.js';

/** Throws a TypeError naming the option unless it is undefined or a non-negative finite number. */
function checkMs(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
    throw new TypeError(`${name} must be a non-negative number of milliseconds, got ${String(value)}`);
  }
}

/** Opens a socket (net or tls), then AUTH / SELECT / CLIENT SETNAME in one write; rejects with a typed error. */
export async function createConnection(
  address: AddressInput,
  options: ConnectionOptions = {},
): Promise<RedisConnection> {
  const parsed = parseAddress(address);
  buffersFor(options.encoding, false);
  // Checked before connecting: thrown after AUTH was sent, it left AUTH's promise to reject unobserved.
  if (options.db !== undefined && options.db !== 0 && (!Number.isInteger(options.db) || options.db < 0)) {
    throw new TypeError(`db must be a non-negative integer, got ${String(options.db)}`);
  }
  checkMs('keepAlive', options.keepAlive);
  checkMs('pingInterval', options.pingInterval);
  const connectTimeout = options.connectTimeout ?? CONNECTION_DEFAULTS.connectTimeout;
  const keepAlive = options.keepAlive ?? CONNECTION_DEFAULTS.keepAlive;
  const useTls = parsed.tls || (options.ssl !== undefined && options.ssl !== false);
  const where = formatAddress(parsed);
  const deadline = Date.now() + connectTimeout;

  const socket = await new Promise<net.Socket>((resolve, reject) => {
    let sock: net.Socket;
    const onError = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new ConnectionClosedError(`Could not connect to ${where}: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TimeoutError(`Could not connect to ${where} within ${connectTimeout} ms`));
    }, connectTimeout);
    const onConnect = () => {
      clearTimeout(timer);
      sock.off('error', onError);
      resolve(sock);
    };
    if (useTls) {
      const tlsOptions: tls.ConnectionOptions = typeof options.ssl === 'object' ? options.ssl : {};
      sock = tls.connect(
        {
          servername: net.isIP(parsed.host) ? undefined : parsed.host,
          ...tlsOptions,
          host: parsed.host,
          port: parsed.port,
        },
        onConnect,
      );
    } else {
      sock = net.connect({ host: parsed.host, port: parsed.port }, onConnect);
    }
    sock.once('error', onError);
  });
  socket.setNoDelay(true);
  socket.setKeepAlive(keepAlive > 0, keepAlive);

  const connection = new RedisConnection(socket, [parsed.host, parsed.port], options);
  try {
    const setup: Promise<unknown>[] = [];
    if (options.password !== undefined && options.password !== null) {
      setup.push(
        options.username !== undefined
          ? connection.send('AUTH', [options.username, options.password])
          : connection.send('AUTH', [options.password]),
      );
    }
    if (options.db !== undefined && options.db !== 0) setup.push(connection.send('SELECT', [options.db]));
    if (options.name !== undefined) setup.push(connection.send('CLIENT', ['SETNAME', options.name]));
    if (setup.length > 0) {
      await withTimeout(Promise.all(setup), Math.max(1, deadline - Date.now()), `Connection set-up on ${where}`);
    }
  } catch (err) {
    connection.close();
    // Settle the other set-up commands before the caller sees the error, so nothing is left pending.
    await connection.waitClosed();
    throw err;
  }
  return connection;
}
