import { ReplyError } from '../errors.js';
import type { Address } from '../types.js';
import { sameAddress } from '../address.js';
import { command, pairsToRecord, parseInfo } from './commands.js';
import { AGREEMENT_TIMEOUT_MS, agreedMaster, isTransient } from './master-agreement.js';
import { HOST } from './config.js';
import { RedisServer, SentinelServer, type RedisProcess } from './redis-server.js';
import { assertServerInstalled, type ServerKind } from './server-kind.js';
import {
  topologySettings,
  type FailoverOptions,
  type SentinelTopologyOptions,
  type Settings,
} from './topology-options.js';
import { waitFor } from './wait.js';

export type { FailoverOptions, SentinelTopologyOptions } from './topology-options.js';

interface Group {
  name: string;
  master: RedisServer;
  /** Every data node of the service, the master included. */
  nodes: RedisServer[];
}

/** Awaits every promise (so nothing keeps starting in the background), then throws the first failure. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Reply errors that mean "not yet" for SENTINEL FAILOVER: no replica is ready, or a failover runs. */
function isRetryableFailoverError(error: unknown): boolean {
  return !(error instanceof ReplyError) || /NOGOODSLAVE|INPROG/.test(error.message);
}

/**
 * Real `redis-server` (or, with `server: 'valkey'`, `valkey-server`) processes on free loopback ports:
 * one master and N replicas per service, and M sentinels watching them. `start()` resolves only once the sentinels agree on the whole topology.
 */
export class SentinelTopology {
  /** The default service of every method that takes an optional `service`. */
  readonly service: string;
  readonly services: readonly string[];
  readonly password: string | undefined;
  readonly sentinelPassword: string | undefined;
  readonly sentinelServers: SentinelServer[] = [];
  readonly #settings: Settings;
  readonly #groups = new Map<string, Group>();
  /** Every process this topology started, in start order; `stop()` ends exactly these. */
  readonly #started: RedisProcess[] = [];
  /** Pending `pauseMaster` timers; `stop()` resumes them early. */
  readonly #pauses = new Set<() => void>();
  #stopping: Promise<void> | undefined;

  private constructor(options: SentinelTopologyOptions) {
    const services = [...(options.services ?? [])];
    const service = options.service ?? services[0] ?? 'mymaster';
    if (!services.includes(service)) services.unshift(service);
    if (new Set(services).size !== services.length)
      throw new TypeError(`services must be distinct, got ${JSON.stringify(services)}`);
    this.service = service;
    this.services = services;
    this.password = options.password;
    this.sentinelPassword = options.sentinelPassword;
    this.#settings = topologySettings(options);
  }

  /** Starts everything; if any step fails, stops what was started and rejects. */
  static async start(options: SentinelTopologyOptions = {}): Promise<SentinelTopology> {
    const topology = new SentinelTopology(options);
    assertServerInstalled(topology.server);
    try {
      await topology.#start();
    } catch (error) {
      await topology.stop().catch(() => undefined);
      throw error;
    }
    return topology;
  }

  /** Which server family runs every process of the topology. */
  get server(): ServerKind {
    return this.#settings.server;
  }

  get quorum(): number {
    return this.#settings.quorum;
  }

  /** `[host, port]` of every sentinel, in start order. */
  get sentinelAddresses(): Address[] {
    return this.sentinelServers.map((s) => s.address);
  }

  /**
   * The master of the default service as last learned from the sentinels. Every async method that acts on
   * the master (`masterAddress()`, `failover()`, `waitForMasterChange()`, `killMaster()`, `waitForReplicas()`)
   * first refreshes it, and only from an address every answering sentinel agrees on. A failover Sentinel
   * starts on its own (a master judged down on a loaded machine) is seen at the next refresh, not here:
   * `await masterAddress()` before reading this when that may have happened.
   */
  get master(): RedisServer {
    return this.masterOf(this.service);
  }

  /** The data nodes of the default service other than `master` (a killed old master stays listed). */
  get replicas(): RedisServer[] {
    return this.replicasOf(this.service);
  }

  /** Every data node of every service. */
  get servers(): RedisServer[] {
    return this.services.flatMap((name) => this.#groups.get(name)?.nodes ?? []);
  }

  masterOf(service: string): RedisServer {
    return this.#group(service).master;
  }

  replicasOf(service: string): RedisServer[] {
    const group = this.#group(service);
    return group.nodes.filter((n) => n !== group.master);
  }

  #group(service: string): Group {
    const group = this.#groups.get(service);
    if (!group)
      throw new Error(
        `Unknown service ${JSON.stringify(service)}; this topology runs ${JSON.stringify(this.services)}`,
      );
    return group;
  }

  async #start(): Promise<void> {
    const s = this.#settings;
    await settleAll(this.services.map((name) => this.#startGroup(name)));
    const monitors = this.services.map((name) => ({
      name,
      host: HOST,
      port: this.masterOf(name).port,
      quorum: s.quorum,
      downAfterMs: s.downAfterMs,
      failoverTimeoutMs: s.failoverTimeoutMs,
      authPass: this.password,
    }));
    const slots: SentinelServer[] = [];
    await settleAll(
      Array.from({ length: s.sentinels }, async (_, i) => {
        const sentinel = await SentinelServer.start({
          server: s.server,
          monitors,
          password: this.sentinelPassword,
          args: s.sentinelArgs,
        });
        this.#started.push(sentinel);
        slots[i] = sentinel;
      }),
    );
    this.sentinelServers.push(...slots);
    await waitFor(
      'every sentinel to see the masters, their replicas and the other sentinels',
      () => this.#sentinelsAgree(),
      {
        timeoutMs: s.startTimeoutMs,
        intervalMs: 50,
      },
    );
  }

  async #startGroup(name: string): Promise<void> {
    const s = this.#settings;
    const master = await RedisServer.start({ server: s.server, password: this.password, args: s.serverArgs });
    this.#started.push(master);
    const group: Group = { name, master, nodes: [master] };
    this.#groups.set(name, group);
    const replicas = await settleAll(
      Array.from({ length: s.replicas }, async () => {
        const replica = await RedisServer.start({
          server: s.server,
          password: this.password,
          replicaOf: master.address,
          args: s.serverArgs,
        });
        this.#started.push(replica);
        return replica;
      }),
    );
    group.nodes = [master, ...replicas];
    await this.waitForReplicas(name, s.startTimeoutMs);
  }

  /** Whether every sentinel reports each master healthy with all its replicas and all the other sentinels. */
  async #sentinelsAgree(): Promise<boolean> {
    const s = this.#settings;
    for (const sentinel of this.sentinelServers) {
      for (const name of this.services) {
        const group = this.#group(name);
        const master = pairsToRecord(await this.#sentinelCommand(sentinel, 'MASTER', name));
        if (master.flags !== 'master' || Number(master.port) !== group.master.port) return false;
        if (Number(master['num-slaves']) !== group.nodes.length - 1) return false;
        if (Number(master['num-other-sentinels']) !== s.sentinels - 1) return false;
        // A replica the sentinel has not yet INFOed would make an early failover() answer NOGOODSLAVE.
        const replicas = (await this.#sentinelCommand(sentinel, 'REPLICAS', name)) as unknown[];
        for (const entry of replicas) {
          const replica = pairsToRecord(entry);
          if (replica.flags !== 'slave' || replica['master-link-status'] !== 'ok') return false;
        }
      }
    }
    return true;
  }

  #sentinelCommand(sentinel: SentinelServer, ...args: (string | number)[]): Promise<unknown> {
    return command(sentinel.address, { password: this.sentinelPassword, timeoutMs: 1_000 }, 'SENTINEL', ...args);
  }

  /** Polls until the running sentinels agree on a master address that satisfies `accept`; adopts it. */
  async #waitAgreed(
    what: string,
    service: string,
    timeoutMs: number,
    accept: (address: Address) => Promise<boolean> | boolean = () => true,
    retryIf: (error: unknown) => boolean = isTransient,
  ): Promise<Address> {
    const address = await waitFor(
      what,
      async () => {
        const agreed = await agreedMaster(this.sentinelServers, this.sentinelPassword, service);
        return agreed && (await accept(agreed)) ? agreed : undefined;
      },
      { timeoutMs, intervalMs: 50, retryIf },
    ).catch((error: unknown) => {
      // What the sentinels did is the only account of why they did not agree: their logs go before the stop.
      if (error instanceof Error) error.message += this.#sentinelLogs();
      throw error;
    });
    this.#adopt(service, address);
    return address;
  }

  /** The last lines of each sentinel's log, for an error message. */
  #sentinelLogs(lines = 15): string {
    return this.sentinelServers
      .map((s) => `\n--- ${s.describe()}, last ${lines} log lines ---\n${s.logTail(lines)}`)
      .join('');
  }

  /** Sends a SENTINEL command to the first sentinel that answers; an error reply is final, not a reason to try the next. */
  async #askSentinels(...args: (string | number)[]): Promise<unknown> {
    let lastError: unknown = new Error('No sentinel is running');
    for (const sentinel of this.sentinelServers) {
      if (!sentinel.running || sentinel.paused) continue;
      try {
        return await this.#sentinelCommand(sentinel, ...args);
      } catch (error) {
        if (error instanceof ReplyError) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Whether the running sentinels agree on a master other than `oldAddress` (no answer: not known to have). */
  async #masterMoved(oldAddress: Address, service: string): Promise<boolean> {
    const agreed = await agreedMaster(this.sentinelServers, this.sentinelPassword, service).catch(() => undefined);
    return agreed !== undefined && !sameAddress(agreed, oldAddress);
  }

  /** Points `master` of the service at the node with that address, when it is one of ours. */
  #adopt(service: string, address: Address): void {
    const group = this.#group(service);
    const node = group.nodes.find((n) => sameAddress(n.address, address));
    if (node) group.master = node;
  }

  /**
   * The master address every running sentinel reports now (and `master` is synced with it). While they
   * disagree (a sentinel restarted or resumed has not yet heard of the last failover and still names the
   * old master) it waits, up to 10 s, rather than take the first answer: `master` never goes back to an
   * old master on the word of one sentinel. The address may be that of a master that is down and not yet
   * replaced.
   */
  async masterAddress(service: string = this.service): Promise<Address> {
    return this.#waitAgreed(`the sentinels to agree on the master of ${service}`, service, AGREEMENT_TIMEOUT_MS);
  }

  /** Waits until the running sentinels agree on a master other than `oldAddress` whose ROLE is master; resolves with it. */
  async waitForMasterChange(oldAddress: Address, timeoutMs = 20_000, service: string = this.service): Promise<Address> {
    return this.#waitAgreed(
      `the sentinels to agree on a new master of ${service} (old ${oldAddress.join(':')})`,
      service,
      timeoutMs,
      async (address) => {
        if (sameAddress(address, oldAddress)) return false;
        const role = await command(address, { password: this.password, timeoutMs: 1_000 }, 'ROLE');
        return Array.isArray(role) && role[0] === 'master';
      },
      // A node still loading, a sentinel restarting: anything may mean "not yet" here.
      () => true,
    );
  }

  /**
   * SENTINEL FAILOVER, retried while the sentinel answers NOGOODSLAVE or INPROG; resolves with the new
   * master address once every sentinel reports it and the node confirms its role. The old master may
   * still call itself master for a few seconds (Sentinel demotes it later), unless `waitForReplicas`.
   * Before asking again it checks whether the master has moved meanwhile (a failover in progress when
   * it was called, or an accepted one that ended after an attempt timed out): that failover is the
   * one asked for, and asking again would start a second.
   */
  async failover(options: FailoverOptions = {}): Promise<Address> {
    const service = options.service ?? this.service;
    const timeoutMs = options.timeoutMs ?? (options.waitForReplicas ? 30_000 : 20_000);
    const deadline = Date.now() + timeoutMs;
    const remaining = (): number => Math.max(1, deadline - Date.now());
    const oldAddress = await this.masterAddress(service);
    // An accepted failover can still be aborted by the sentinel (a replica slow to promote): ask again.
    const attemptMs = 2 * this.#settings.failoverTimeoutMs + 2_000;
    let address: Address;
    let asked = false;
    for (;;) {
      await waitFor(
        `SENTINEL FAILOVER ${service} to be accepted`,
        async () => {
          if (asked && (await this.#masterMoved(oldAddress, service))) return true;
          asked = true;
          return this.#askSentinels('FAILOVER', service);
        },
        { timeoutMs: remaining(), intervalMs: 100, retryIf: isRetryableFailoverError },
      );
      try {
        address = await this.waitForMasterChange(oldAddress, Math.min(remaining(), attemptMs), service);
        break;
      } catch (error) {
        if (Date.now() >= deadline - 100) throw error;
      }
    }
    if (options.waitForReplicas) await this.waitForReplicas(service, remaining());
    return address;
  }

  /**
   * Waits until every running non-master node of the service reports a live link to the current master,
   * the one the sentinels agree on (asked again at each check, so a failover Sentinel started on its own
   * is followed). Right after a failover the old master may take 8-10 s to be demoted by Sentinel, hence
   * the default.
   */
  async waitForReplicas(service: string = this.service, timeoutMs = 20_000): Promise<void> {
    const group = this.#group(service);
    await waitFor(
      `the replicas of ${service} to sync with the master (last known ${group.master.address.join(':')})`,
      async () => {
        // Before the sentinels start (during start()), or with none running, the master is the last known.
        if (this.sentinelServers.some((s) => s.running && !s.paused)) {
          const agreed = await agreedMaster(this.sentinelServers, this.sentinelPassword, service);
          if (!agreed) return false;
          this.#adopt(service, agreed);
        }
        for (const node of group.nodes) {
          if (node === group.master || !node.running || node.paused) continue;
          const info = parseInfo(
            await command(node.address, { password: this.password, timeoutMs: 1_000 }, 'INFO', 'replication'),
          );
          if (
            info.role !== 'slave' ||
            Number(info.master_port) !== group.master.port ||
            info.master_link_status !== 'up'
          )
            return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 25 },
    );
  }

  /**
   * SIGKILLs the master the sentinels agree on now (see `masterAddress()`), not merely the last one the kit
   * saw; resolves with its address once it is dead.
   */
  async killMaster(service: string = this.service): Promise<Address> {
    await this.masterAddress(service);
    const master = this.masterOf(service);
    const address = master.address;
    await master.kill('SIGKILL');
    return address;
  }

  /**
   * SIGSTOPs `master` for `ms` at once (synchronously, so it is the last master the kit learned: call
   * `await masterAddress()` first if Sentinel may have moved it), then SIGCONTs it; resolves once it is
   * resumed (early on stop()).
   */
  pauseMaster(ms: number, service: string = this.service): Promise<void> {
    const master = this.masterOf(service);
    master.pause();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#pauses.delete(finish);
        if (master.running) master.resume();
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#pauses.add(finish);
    });
  }

  /** Resumes paused masters, ends exactly the processes this topology started, and removes their folders. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      // Deleting the current entry while iterating a Set is safe.
      for (const finish of this.#pauses) finish();
      await settleAll(this.#started.map((p) => p.stop()));
    })();
    return this.#stopping;
  }
}
