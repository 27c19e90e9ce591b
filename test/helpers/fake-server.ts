import { createServer, type Server, type Socket } from 'node:net';
import type { Address } from '../../src/types.js';

/** What a fake server does with each accepted socket (and the bytes it received so far). */
export type FakeHandler = (socket: Socket, received: () => Buffer) => void;

/**
 * A TCP server on a free loopback port that speaks whatever bytes a test wants: for protocol faults a
 * real redis-server never produces (garbage, truncated replies, replies nobody asked for, silence).
 */
export class FakeServer {
  readonly sockets = new Set<Socket>();
  /** Bytes received per accepted connection, in accept order. */
  readonly received: Buffer[][] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  get address(): Address {
    return ['127.0.0.1', this.port];
  }

  /** How many connections were accepted. */
  get accepted(): number {
    return this.received.length;
  }

  static start(handler: FakeHandler): Promise<FakeServer> {
    return new Promise((resolve, reject) => {
      let fake: FakeServer;
      const server = createServer((socket) => {
        const chunks: Buffer[] = [];
        fake.received.push(chunks);
        fake.sockets.add(socket);
        socket.on('close', () => fake.sockets.delete(socket));
        // A client that resets the connection must not crash the test process.
        socket.on('error', () => undefined);
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        handler(socket, () => Buffer.concat(chunks));
      });
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => {
        const address = server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('fake server has no port'));
          return;
        }
        fake = new FakeServer(server, address.port);
        resolve(fake);
      });
    });
  }

  /** Destroys every accepted socket and stops listening. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Calls `onCommand` once per complete RESP command (`*N\r\n$len\r\n...`) the client sent on `socket`. */
export function onCommands(socket: Socket, onCommand: (args: string[]) => void): void {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = parseCommand(buffer);
      if (parsed === null) return;
      buffer = buffer.subarray(parsed.length);
      onCommand(parsed.args);
    }
  });
}

function parseCommand(buffer: Buffer): { args: string[]; length: number } | null {
  let offset = 0;
  const line = (): string | null => {
    const end = buffer.indexOf('\r\n', offset);
    if (end < 0) return null;
    const text = buffer.toString('latin1', offset, end);
    offset = end + 2;
    return text;
  };
  const head = line();
  if (head === null) return null;
  if (!head.startsWith('*')) throw new Error(`fake server: not a RESP command: ${JSON.stringify(head)}`);
  const count = Number(head.slice(1));
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = line();
    if (len === null) return null;
    const n = Number(len.slice(1));
    if (buffer.length < offset + n + 2) return null;
    args.push(buffer.toString('utf8', offset, offset + n));
    offset += n + 2;
  }
  return { args, length: offset };
}
