import { inspect } from 'node:util';
import { formatAddress, sameAddress } from '../address.js';
import { redactedView } from '../redact.js';
import { createConnection, type RedisConnection } from '../connection/connection.js';
import {
  MasterNotFoundError,
  MasterReplyError,
  PoolClosedError,
  RedisError,
  ReplyError,
  SlaveNotFoundError,
  SlaveReplyError,
} from '../errors.js';
import { toText } from '../text.js';
import { withTimeout } from '../timeout.js';
import type { Address, ConnectionOptions } from '../types.js';
import type { SentinelNode } from './sentinel-node.js';
import { isDown, parseState, parseStates, type MasterState, type ReplicaState } from './state.js';

/** What discovery needs from its SentinelPool. */
export interface DiscoveryHost {
  isClosed(): boolean;
  /** Sentinels in the order to ask them. */
  ordered(): SentinelNode[];
  /** natMap applied to an announced address. */
  mapAddress(host: string, port: number): Address;
}

/** A TLS handshake refused the server's certificate (wrong CA, wrong name, expired). */
function isCertificateError(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code);
}

/**
 * Finding a service's master and replicas: ask the sentinels in turn, connect to what they name and
 * check its ROLE. An error reply from the data node itself (auth, db, certificate) is final.
 */
export class ServiceDiscovery {
  /** util.inspect / console.log show the data options with passwords and TLS keys redacted. */
  [inspect.custom](): object {
    return redactedView(this);
  }

  constructor(
    private readonly host: DiscoveryHost,
    private readonly dataOptions: ConnectionOptions,
    private readonly durability: ConnectionOptions['durability'],
    private readonly timeout: number,
  ) {}

  /** Asks the sentinels in turn for the master, connects to it and checks ROLE. */
  async discoverMaster(
    service: string,
    timeout = this.timeout,
    exclude: Address | null = null,
  ): Promise<RedisConnection> {
    if (this.host.isClosed()) throw new PoolClosedError('Sentinel pool is closed');
    let lastError: unknown = null;
    let unknown = 0;
    const nodes = this.host.ordered();
    for (const node of nodes) {
      if (this.host.isClosed()) throw new PoolClosedError('Sentinel pool is closed');
      let address: Address;
      try {
        address = await this.reportedMaster(node, service, timeout);
      } catch (err) {
        if (err instanceof ReplyError && /No such master/i.test(err.message)) unknown++;
        lastError = err;
        continue;
      }
      if (sameAddress(address, exclude)) {
        lastError = new MasterNotFoundError(
          `Sentinel ${node.key} still reports the demoted master ${formatAddress(address)} of ${service}`,
        );
        continue;
      }
      const conn = await this.connectChecked(service, address, 'master', timeout).catch((err: unknown) => {
        lastError = err;
        return null;
      });
      if (conn !== null) return conn;
      if (lastError instanceof MasterReplyError) throw lastError;
    }
    const unknownService = unknown === nodes.length && nodes.length > 0;
    throw new MasterNotFoundError(
      unknownService
        ? `No master found for ${service}: no sentinel monitors a service of that name`
        : `No master found for ${service}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      { cause: lastError ?? undefined, service, unknownService },
    );
  }

  /** Whether `address` answers ROLE as a master now (on a connection of its own, closed at once). */
  async answersAsMaster(service: string, address: Address, timeout = this.timeout): Promise<boolean> {
    try {
      (await this.connectChecked(service, address, 'master', timeout)).close();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The master one sentinel names: GET-MASTER-ADDR-BY-NAME, which is already the promoted replica while a
   * failover runs (SENTINEL MASTER still lists the old master until +switch-master, and a client that
   * started then would write to a master about to be demoted). Refused when its flags say it is down.
   */
  private async reportedMaster(node: SentinelNode, service: string, timeout: number): Promise<Address> {
    const [named, state] = await Promise.all([
      node.execute(timeout, 'SENTINEL', ['GET-MASTER-ADDR-BY-NAME', service]),
      node.execute(timeout, 'SENTINEL', ['MASTER', service]).then((r) => parseState<MasterState>(r)),
    ]);
    if (!Array.isArray(named) || named.length < 2) throw new ReplyError(`No such master with that name: ${service}`);
    const ip = toText(named[0]);
    const port = Number(toText(named[1]));
    // The flags describe the instance SENTINEL MASTER lists: they say nothing of a promoted replica.
    if (state.ip === ip && Number(state.port) === port && isDown(state)) {
      throw new MasterNotFoundError(
        `Sentinel ${node.key} reports master ${ip}:${port} of ${service} as ${state.flags.join(',')}`,
      );
    }
    return this.host.mapAddress(ip, port);
  }

  /** Healthy replicas (not down, link to master ok), as reported by the first sentinel that answers. */
  async replicaCandidates(service: string, timeout = this.timeout): Promise<Address[]> {
    if (this.host.isClosed()) throw new PoolClosedError('Sentinel pool is closed');
    let lastError: unknown = null;
    let unknown = 0;
    const nodes = this.host.ordered();
    for (const node of nodes) {
      try {
        const replicas = parseStates<ReplicaState>(await node.execute(timeout, 'SENTINEL', ['REPLICAS', service]));
        const healthy = replicas.filter((r) => !isDown(r) && r['master-link-status'] === 'ok');
        if (healthy.length > 0) return healthy.map((r) => this.host.mapAddress(r.ip, Number(r.port)));
        lastError = new SlaveNotFoundError(
          `Sentinel ${node.key} knows no healthy replica of ${service} (${replicas.length} listed)`,
        );
      } catch (err) {
        if (err instanceof ReplyError && /No such master/i.test(err.message)) unknown++;
        lastError = err;
      }
    }
    throw new SlaveNotFoundError(
      `No slave found for ${service}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      { cause: lastError ?? undefined, service, unknownService: unknown === nodes.length && nodes.length > 0 },
    );
  }

  verifyMaster(service: string, address: Address): Promise<RedisConnection> {
    return this.connectChecked(service, address, 'master', this.timeout);
  }

  verifyReplica(service: string, address: Address): Promise<RedisConnection> {
    return this.connectChecked(service, address, 'slave', this.timeout);
  }

  /** Asks the sentinels for a healthy replica, connects to it and checks ROLE. */
  async discoverSlave(service: string, timeout = this.timeout): Promise<RedisConnection> {
    const candidates = await this.replicaCandidates(service, timeout);
    let lastError: unknown = null;
    for (const address of candidates) {
      try {
        return await this.connectChecked(service, address, 'slave', timeout);
      } catch (err) {
        if (err instanceof SlaveReplyError) throw err;
        lastError = err;
      }
    }
    throw new SlaveNotFoundError(`No slave found for ${service}`, { cause: lastError ?? undefined });
  }

  /**
   * Connects to a data node and checks its ROLE. An error reply from the node itself (auth, db)
   * is final: MasterReplyError / SlaveReplyError with the cause.
   */
  private async connectChecked(
    service: string,
    address: Address,
    role: 'master' | 'slave',
    timeout: number,
  ): Promise<RedisConnection> {
    let conn: RedisConnection;
    try {
      conn = await createConnection(address, {
        ...this.dataOptions,
        durability: role === 'master' ? this.durability : undefined,
        connectTimeout: Math.max(
          timeout,
          this.dataOptions.connectTimeout === undefined
            ? timeout
            : Math.min(timeout * 5, this.dataOptions.connectTimeout),
        ),
      });
    } catch (err) {
      // Auth errors and a refused certificate come from the data node itself: asking again will not help.
      if (err instanceof ReplyError || isCertificateError(err))
        throw role === 'master' ? new MasterReplyError(service, err) : new SlaveReplyError(service, err);
      throw err;
    }
    try {
      const reply = (await withTimeout(
        conn.send('ROLE', [], 'utf8'),
        timeout,
        `ROLE on ${formatAddress(address)}`,
      )) as unknown[];
      if (reply[0] !== role) throw new RedisError(`${formatAddress(address)} is a ${String(reply[0])}, not a ${role}`);
      return conn;
    } catch (err) {
      conn.close();
      if (err instanceof ReplyError)
        throw role === 'master' ? new MasterReplyError(service, err) : new SlaveReplyError(service, err);
      throw err;
    }
  }
}
