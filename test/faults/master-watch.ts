// What the sentinels call the master, polled all along: Sentinel may start a failover of its own
// (a sentinel still busy with the previous one can judge the new master down), and a pub/sub window
// on a node that stopped being the master says nothing about the client.

import { sameAddress } from '../../src/address.js';
import { createConnection, type RedisConnection } from '../../src/index.js';
import { parseAddressReply } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { sleep } from './workload.js';

const POLL_EVERY_MS = 50;

interface Poll {
  /** performance.now() when the questions were sent. */
  at: number;
  /** The addresses the sentinels that answered reported. */
  reported: Address[];
  /** Masters a sentinel already judged down or is failing over (s_down, o_down, failover_in_progress). */
  troubled: Address[];
}

/** Flags with which a sentinel says the master is being given up: its clients may be killed any moment. */
const TROUBLE = /s_down|o_down|failover_in_progress|failover_state/;

/** Polls GET-MASTER-ADDR-BY-NAME on every sentinel, over one connection each. */
export class MasterWatch {
  private readonly polls: Poll[] = [];
  private readonly conns = new Map<number, RedisConnection>();
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly sentinels: readonly Address[],
    private readonly service: string,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    for (const conn of this.conns.values()) conn.close();
    await Promise.all([...this.conns.values()].map((c) => c.waitClosed().catch(() => undefined)));
    this.conns.clear();
  }

  /**
   * performance.now() of the first poll at or after `from` in which a sentinel named another master or
   * judged the master down (Sentinel's own failover kills the master's clients, subscribers included);
   * undefined if none.
   */
  changedAt(master: Address, from: number): number | undefined {
    return this.polls.find(
      (p) =>
        p.at >= from &&
        (p.troubled.some((a) => sameAddress(a, master)) || p.reported.some((a) => !sameAddress(a, master))),
    )?.at;
  }

  /**
   * The end of [from, to) as far as every sentinel still called `master` the master: the send time of
   * the last poll that said so before one said otherwise (`to` when none did).
   */
  masterUntil(master: Address, from: number, to: number): number {
    const changed = this.changedAt(master, from);
    if (changed === undefined || changed >= to) return to;
    const confirmed = this.polls.filter((p) => p.at >= from && p.at < changed).at(-1);
    return confirmed?.at ?? from;
  }

  private async ask(
    i: number,
    sentinel: Address,
  ): Promise<{ address: Address | null; troubled: Address | null } | null> {
    let conn = this.conns.get(i);
    try {
      if (conn === undefined || conn.closed) {
        conn = await createConnection(sentinel, { connectTimeout: 1_000, commandTimeout: 1_000 });
        this.conns.set(i, conn);
      }
      const [named, state] = await Promise.all([
        conn.execute('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.service),
        conn.execute<unknown[]>('SENTINEL', 'MASTER', this.service),
      ]);
      const field = (name: string): string => String(state[state.findIndex((v) => String(v) === name) + 1]);
      // The flags describe the master SENTINEL MASTER lists, which lags GET-MASTER-ADDR-BY-NAME in a failover.
      const listed: Address = [field('ip'), Number(field('port'))];
      return { address: parseAddressReply(named), troubled: TROUBLE.test(field('flags')) ? listed : null };
    } catch {
      // Unknown this time (a sentinel slow or restarting): no evidence either way.
      conn?.close();
      this.conns.delete(i);
      return null;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const at = performance.now();
      const answers = (await Promise.all(this.sentinels.map((s, i) => this.ask(i, s)))).filter((a) => a !== null);
      this.polls.push({
        at,
        reported: answers.flatMap((a) => (a.address === null ? [] : [a.address])),
        troubled: answers.flatMap((a) => (a.troubled === null ? [] : [a.troubled])),
      });
      await sleep(POLL_EVERY_MS);
    }
  }
}
