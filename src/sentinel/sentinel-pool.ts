import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { formatAddress, parseAddressList, sameAddress } from '../address.js';
import type { RedisConnection } from '../connection/connection.js';
import { PoolClosedError, ReplyError, SentinelConnectionError } from '../errors.js';
import type { Subscriptions } from '../pool/subscriber.js';
import type { Address, AddressInput, ConnectionOptions, RedisArg } from '../types.js';
import { FailoverFollower, type SentinelEvents } from './failover-follower.js';
import { ManagedPool, type Discovery } from './managed-pool.js';
import { SENTINEL_DEFAULTS, validateSentinelOptions, type SentinelOptions } from './options.js';
import { SentinelNode } from './sentinel-node.js';
import { ServiceDiscovery } from './service-discovery.js';
import { parseStates, type MasterState } from './state.js';
import { redactedView } from '../redact.js';

/**
 * The sentinels, their event subscriptions, discovery, and the managed pools of every service.
 * Sentinel commands go to a healthy sentinel and fall over to the next.
 */
export class SentinelPool extends EventEmitter implements Discovery {
  /** util.inspect / console.log show the fields with passwords and TLS keys redacted. */
  [inspect.custom](): object {
    return redactedView(this);
  }

  private readonly nodes: SentinelNode[] = [];
  private readonly masters = new Map<string, ManagedPool>();
  private readonly slaves = new Map<string, ManagedPool>();
  private readonly options: SentinelOptions;
  private readonly dataOptions: ConnectionOptions;
  private readonly sentinelOptions: ConnectionOptions;
  private readonly timeout: number;
  private readonly follower: FailoverFollower;
  private readonly discovery: ServiceDiscovery;
  private checkTimer: NodeJS.Timeout | null = null;
  private checkFailing = false;
  private isClosed = false;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private preferred = 0;

  constructor(sentinels: readonly AddressInput[], options: SentinelOptions = {}) {
    const parsed = parseAddressList(sentinels);
    validateSentinelOptions(options);
    super();
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.options = options;
    this.timeout = options.timeout ?? SENTINEL_DEFAULTS.timeout;
    this.dataOptions = {
      db: options.db,
      username: options.username,
      password: options.password,
      encoding: options.encoding,
      ssl: options.ssl,
      parser: options.parser,
      connectTimeout: options.connectTimeout,
      commandTimeout: options.commandTimeout,
      keepAlive: options.keepAlive,
      pingInterval: options.pingInterval,
      name: options.name,
    };
    this.sentinelOptions = {
      username: options.sentinelUsername,
      password: options.sentinelPassword,
      ssl: options.sentinelTls,
      parser: options.parser,
      keepAlive: options.keepAlive,
      pingInterval: options.pingInterval,
      name: options.name,
    };
    this.discovery = new ServiceDiscovery(
      {
        isClosed: () => this.isClosed,
        ordered: () => this.ordered(),
        mapAddress: (host, port) => this.mapAddress(host, port),
      },
      this.dataOptions,
      options.durability,
      this.timeout,
    );
    this.follower = new FailoverFollower(
      {
        masterPool: (service) => this.masters.get(service),
        slavePool: (service) => this.slaves.get(service),
        mapAddress: (host, port) => this.mapAddress(host, port),
        addPeer: (address) => this.addPeer(address),
        emit: (event, payload) => this.emit(event, payload),
        log: (level, message) => this.log(level, message),
      },
      options.failoverTimeout ?? SENTINEL_DEFAULTS.failoverTimeout,
    );
    for (const a of parsed) {
      const tls = a.tls && options.sentinelTls === undefined;
      this.addNode([a.host, a.port], tls ? { ...this.sentinelOptions, ssl: true } : this.sentinelOptions);
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The discovery timeout per sentinel step (ms). */
  get discoverTimeout(): number {
    return this.timeout;
  }

  /** Addresses of every known sentinel, the configured ones and the peers found since. */
  get sentinelAddresses(): Address[] {
    return this.nodes.map((n) => n.address);
  }

  /** The managed pool of the service's master (lazy; the same pool for the same name). */
  masterFor(service: string): ManagedPool {
    return this.managed(this.masters, service, 'master');
  }

  /** The managed pool of one healthy replica of the service (lazy). */
  slaveFor(service: string): ManagedPool {
    return this.managed(this.slaves, service, 'slave');
  }

  private managed(map: Map<string, ManagedPool>, service: string, role: 'master' | 'slave'): ManagedPool {
    if (typeof service !== 'string' || service.length === 0)
      throw new TypeError(`service name must be a non-empty string, got ${String(service)}`);
    let pool = map.get(service);
    // A pool its user closed is replaced while the sentinel pool itself stays open.
    if (pool === undefined || (pool.closed && !this.isClosed)) {
      pool = new ManagedPool(service, role, this, {
        ...this.dataOptions,
        // WAIT only makes sense on the master; replicas refuse it.
        durability: role === 'master' ? this.options.durability : undefined,
        minsize: this.options.minsize ?? SENTINEL_DEFAULTS.minsize,
        maxsize: this.options.maxsize ?? SENTINEL_DEFAULTS.maxsize,
        failoverTimeout: this.options.failoverTimeout ?? SENTINEL_DEFAULTS.failoverTimeout,
        maxQueuedCommands: this.options.maxQueuedCommands ?? SENTINEL_DEFAULTS.maxQueuedCommands,
        holdWritesDuringFailover: this.options.holdWritesDuringFailover ?? SENTINEL_DEFAULTS.holdWritesDuringFailover,
        replicaFallback: this.options.replicaFallback ?? SENTINEL_DEFAULTS.replicaFallback,
        // One cache per pool: a slaveFor client tracks on the replicas it reads from.
        clientCache: this.options.clientCache,
      });
      pool.on('resubscribed', (s: Subscriptions) => this.emit('resubscribed', { service, role, ...s }));
      pool.on('warning', (w: SentinelEvents['warning']) => this.emit('warning', w));
      map.set(service, pool);
      // After close() a new name still gets a closed pool: its calls reject PoolClosedError.
      if (this.isClosed) pool.close();
      else this.armCheck();
    }
    return pool;
  }

  /** Every managed pool, masters first. */
  managedPools(): ManagedPool[] {
    return [...this.masters.values(), ...this.slaves.values()];
  }

  // ---- sentinels ----

  private addNode(address: Address, options: ConnectionOptions = this.sentinelOptions): SentinelNode | null {
    const key = formatAddress(address);
    if (this.nodes.some((n) => n.key === key)) return null;
    const node = new SentinelNode(address, options, {
      onEvent: (event, data, from) => {
        if (!this.isClosed) this.follower.onEvent(event, data, from.key);
      },
      onLink: (from, up) => {
        if (!this.isClosed) this.emit(up ? 'sentinel-up' : 'sentinel-down', { address: from.address });
      },
      log: (level, message) => this.log(level, message),
    });
    this.nodes.push(node);
    return node;
  }

  /**
   * Connects to every sentinel (command and event connections) within `timeout`, then learns their
   * peers in the background. Rejects SentinelConnectionError when none answers.
   */
  async discover(timeout = Math.max(this.timeout, 1000)): Promise<void> {
    if (this.isClosed) throw new PoolClosedError('Sentinel pool is closed');
    const results = await Promise.allSettled(
      this.nodes.map((n) => n.connect(timeout).then(() => n.subscribe(timeout))),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    if (ok === 0) {
      const reasons = results.map(
        (r, i) => `${this.nodes[i]!.key}: ${r.status === 'rejected' ? (r.reason as Error).message : 'ok'}`,
      );
      throw new SentinelConnectionError(`Could not connect to any sentinel (${reasons.join('; ')})`);
    }
    this.log('debug', `Connected to ${ok} of ${this.nodes.length} sentinels`);
    void this.findPeers().catch((err: unknown) => this.warn('Could not list the peer sentinels', err));
  }

  /** SENTINEL SENTINELS for every monitored master: peers join the list used for commands and discovery. */
  private async findPeers(): Promise<void> {
    const masters = parseStates<MasterState>(await this.execute('SENTINEL', 'MASTERS'));
    for (const m of masters) {
      const peers = parseStates(await this.execute('SENTINEL', 'SENTINELS', m.name));
      for (const p of peers) {
        const port = Number(p.port);
        if (Number.isInteger(port)) this.addPeer(this.mapAddress(p.ip, port));
      }
    }
  }

  private addPeer(address: Address): void {
    if (this.isClosed) return;
    const node = this.addNode(address);
    if (node !== null) {
      this.log('log', `Found sentinel ${node.key}`);
      node
        .connect(Math.max(this.timeout, 1000))
        .then(
          () => node.subscribe(Math.max(this.timeout, 1000)),
          () => undefined,
        )
        .catch(() => undefined);
    }
  }

  /** Sentinels in the order to ask them: the one that last answered, then healthy ones, then the rest. */
  private ordered(): SentinelNode[] {
    const n = this.nodes.length;
    const rotated = Array.from({ length: n }, (_, i) => this.nodes[(this.preferred + i) % n]!);
    return [...rotated.filter((s) => s.lastError === null), ...rotated.filter((s) => s.lastError !== null)];
  }

  /** Sends a command to a sentinel; on a connection error or timeout the next sentinel is tried. */
  async execute(command: string, ...args: RedisArg[]): Promise<unknown> {
    if (this.isClosed) throw new PoolClosedError('Sentinel pool is closed');
    let lastError: unknown = null;
    for (const node of this.ordered()) {
      try {
        const reply = await node.execute(Math.max(this.timeout, 1000), command, args);
        this.preferred = this.nodes.indexOf(node);
        return reply;
      } catch (err) {
        // A reply error is the sentinel's answer, not a failure of the sentinel.
        if (err instanceof ReplyError) throw err;
        lastError = err;
      }
      if (this.isClosed) throw new PoolClosedError('Sentinel pool is closed');
    }
    throw new SentinelConnectionError(
      `No sentinel answered ${command} ${String(args[0] ?? '')}: ${(lastError as Error | null)?.message ?? 'none known'}`,
      { cause: lastError ?? undefined },
    );
  }

  // ---- discovery ----

  mapAddress(host: string, port: number): Address {
    const mapped = this.options.natMap?.[`${host}:${port}`];
    return mapped ? [mapped.host, mapped.port] : [host, port];
  }

  /** Asks the sentinels in turn for the master, connects to it and checks ROLE. */
  discoverMaster(service: string, timeout?: number, exclude: Address | null = null): Promise<RedisConnection> {
    return this.discovery.discoverMaster(service, timeout, exclude);
  }

  /** Healthy replicas (not down, link to master ok), as reported by the first sentinel that answers. */
  replicaCandidates(service: string, timeout?: number): Promise<Address[]> {
    return this.discovery.replicaCandidates(service, timeout);
  }

  verifyMaster(service: string, address: Address): Promise<RedisConnection> {
    return this.discovery.verifyMaster(service, address);
  }

  verifyReplica(service: string, address: Address): Promise<RedisConnection> {
    return this.discovery.verifyReplica(service, address);
  }

  /** Asks the sentinels for a healthy replica, connects to it and checks ROLE. */
  discoverSlave(service: string, timeout?: number): Promise<RedisConnection> {
    return this.discovery.discoverSlave(service, timeout);
  }

  // ---- periodic check ----

  private armCheck(): void {
    const interval = this.options.masterCheckInterval ?? SENTINEL_DEFAULTS.masterCheckInterval;
    if (interval === 0 || this.checkTimer !== null || this.isClosed) return;
    this.checkTimer = setInterval(() => void this.checkMasters(), interval);
    this.checkTimer.unref();
  }

  /** Compares each master pool's address with what the sentinels report; catches a missed event. */
  private async checkMasters(): Promise<void> {
    for (const [service, pool] of this.masters) {
      if (this.isClosed || pool.closed || pool.address === null) continue;
      try {
        const reply = (await this.execute('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', service)) as [string, string] | null;
        this.checkFailing = false;
        if (reply === null || pool.address === null) continue;
        const address = this.mapAddress(String(reply[0]), Number(reply[1]));
        const current = pool.address;
        if (!sameAddress(address, current)) {
          // A sentinel that has not yet heard of the failover still names the master this pool left: no
          // reason to go back while the one in use answers as master (a missed switch away from it does not).
          if (pool.leftBehind(address) && (await this.discovery.answersAsMaster(service, current))) {
            this.log('debug', `A sentinel still names ${formatAddress(address)}, left behind by ${service}: staying`);
            continue;
          }
          if (this.isClosed || pool.closed || !sameAddress(pool.address, current)) continue;
          this.log(
            'warn',
            `Sentinels report ${formatAddress(address)} as master of ${service} (client used ${formatAddress(current)}): switching`,
          );
          this.follower.switchMaster(service, current, address);
        }
      } catch (err) {
        // The next round tries again; one warning per stretch of failures.
        if (this.isClosed || this.checkFailing) continue;
        this.checkFailing = true;
        this.warn(`The periodic master check of ${service} got no answer from any sentinel`, err);
      }
    }
  }

  /** Background trouble: a 'warning' event and a log line, never an exception. */
  private warn(message: string, cause: unknown): void {
    if (this.isClosed) return;
    this.log('warn', `${message}: ${(cause as Error).message}`);
    this.emit('warning', { message, cause });
  }

  log(level: 'debug' | 'log' | 'warn', message: string): void {
    const logger = this.options.logger;
    if (logger === undefined) return;
    const fn = logger[level] ?? logger.log;
    fn?.call(logger, message);
  }

  /** Closes the managed pools, then the sentinel connections. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.checkTimer !== null) clearInterval(this.checkTimer);
    this.checkTimer = null;
    const pools = [...this.masters.values(), ...this.slaves.values()];
    for (const p of pools) p.close();
    void Promise.allSettled([...pools.map((p) => p.waitClosed()), ...this.nodes.map((n) => n.stop())]).then(() =>
      this.resolveClosed(),
    );
  }

  /** Resolves once close() has closed every socket. */
  waitClosed(): Promise<void> {
    return this.closedPromise;
  }
}

/** Creates a SentinelPool and connects to the sentinels; rejects SentinelConnectionError (closing everything) if none answers. */
export async function createSentinelPool(
  sentinels: readonly AddressInput[],
  options: SentinelOptions = {},
): Promise<SentinelPool> {
  const pool = new SentinelPool(sentinels, options);
  try {
    await pool.discover();
  } catch (err) {
    pool.close();
    await pool.waitClosed();
    throw err;
  }
  return pool;
}
