import { parseAddress } from '../address.js';
import type { AddressInput, PoolOptions } from '../types.js';
import { ConnectionsPool } from './pool.js';

/** A pool to one address. */
export async function createPool(address: AddressInput, options: PoolOptions = {}): Promise<ConnectionsPool> {
  // The constructor takes null for a managed pool (address from discovery); here null is a bad address.
  parseAddress(address);
  const pool = new ConnectionsPool(address, options);
  if (pool.minsize > 0) {
    // Fail fast on a wrong address or password, as createConnection does.
    await pool.execute('PING').catch((err: unknown) => {
      pool.close();
      throw err;
    });
  }
  return pool;
}
