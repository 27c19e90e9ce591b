import type Denque from 'denque';
import { UNSUBSCRIBE, subscriptionKind } from '../protocol/commands.js';
import { toText } from '../text.js';
import type { Command } from './command.js';

/** What subscriber-mode tracking needs from its connection. */
export interface SubscriberHost {
  /** The connection's in-flight queue: confirmations and PONGs answer its head. */
  readonly queue: Denque<Command>;
  emit(event: 'message' | 'pmessage' | 'smessage', ...args: unknown[]): void;
  /** Called after the head of the queue was removed (the parser may need another encoding). */
  afterShift(): void;
}

/**
 * Subscriber mode of one connection: the channels, patterns and shard channels it is subscribed to,
 * and the pushes (`message`, `pmessage`, `smessage`, confirmations, `pong`) that arrive in that mode.
 */
export class SubscriberState {
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** True from the first SUBSCRIBE sent until the server confirms there is no subscription left. */
  active = false;
  /**
   * Commands queued before the SUBSCRIBE that started subscriber mode and not yet answered: their
   * replies are theirs, not pub/sub pushes.
   */
  ahead = 0;

  constructor(
    private readonly host: SubscriberHost,
    private readonly encoding: BufferEncoding,
  ) {}

  /** True when a reply may be a push rather than the answer to the head of the queue. */
  get pushes(): boolean {
    return this.active && this.ahead === 0;
  }

  get empty(): boolean {
    return this.channels.size === 0 && this.patterns.size === 0 && this.shardChannels.size === 0;
  }

  /** Records what a SUBSCRIBE-family command changes and how many confirmations answer it. */
  prepare(command: Command): void {
    const set = this[subscriptionKind(command.flags)];
    const names = command.args.map((a) => toText(a));
    if ((command.flags & UNSUBSCRIBE) === 0) {
      for (const n of names) set.add(n);
      command.expected = Math.max(1, names.length);
      if (!this.active) this.ahead = this.host.queue.length;
      this.active = true;
    } else {
      // Without names the server confirms each subscription of that kind, or once when there is none.
      command.expected = names.length > 0 ? names.length : Math.max(1, set.size);
      if (names.length === 0) set.clear();
      else for (const n of names) set.delete(n);
    }
  }

  /** A refused (P|S)SUBSCRIBE subscribed to nothing: with no subscription left, the mode ends. */
  refused(): void {
    if (this.empty) this.active = false;
  }

  /** Handles a push; false when the reply belongs to an ordinary command. */
  onPush(reply: unknown[]): boolean {
    const kind = toText(reply[0]);
    switch (kind) {
      case 'message':
        this.host.emit('message', this.decode(reply[1]), reply[2]);
        return true;
      case 'pmessage':
        this.host.emit('pmessage', this.decode(reply[1]), this.decode(reply[2]), reply[3]);
        return true;
      case 'smessage':
        this.host.emit('smessage', this.decode(reply[1]), reply[2]);
        return true;
      case 'subscribe':
      case 'psubscribe':
      case 'ssubscribe':
      case 'unsubscribe':
      case 'punsubscribe':
      case 'sunsubscribe':
        this.onConfirmation(kind, Number(reply[2]));
        return true;
      case 'pong':
        this.onPong(reply[1]);
        return true;
      default:
        return false;
    }
  }

  private onConfirmation(kind: string, count: number): void {
    const queue = this.host.queue;
    const command = queue.peekFront();
    if (command !== undefined && --command.expected <= 0) {
      queue.shift();
      this.host.afterShift();
      if (!command.done) command.resolve(count);
    }
    // The count is per kind (shard channels apart): the mode ends when all three sets are empty.
    if (count === 0 && kind.endsWith('unsubscribe') && this.empty) this.active = false;
  }

  /** ['pong', message]: resolves what PING resolves outside subscriber mode, in the call's encoding. */
  private onPong(message: unknown): void {
    const command = this.host.queue.shift();
    if (command === undefined) return;
    this.host.afterShift();
    if (command.done) return;
    const value = command.args.length > 0 ? message : 'PONG';
    const buffer = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    command.resolve(command.buffers ? buffer : toText(value));
  }

  private decode(value: unknown): string {
    return toText(value, this.encoding);
  }
}
