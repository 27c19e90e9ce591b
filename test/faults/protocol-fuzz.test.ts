import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as fc from 'fast-check';
import {
  ConnectionClosedError,
  ProtocolError,
  ReplyError,
  createConnection,
  type RedisConnection,
  type ReplyEncoding,
} from '../../src/index.js';
import { collectUnhandledRejections, describeError, within } from './workload.js';
import { guardProcess } from './process-guard.js';

const guard = guardProcess('protocol-fuzz');
after(() => guard.assertNone());

/** FC_SEED replays a run; otherwise a fresh seed, printed so a failure can be replayed. */
const SEED = fuzzSeed();
const REPLAY = `npm run build:all && FC_SEED=${SEED} node --test dist/test/faults/protocol-fuzz.test.js`;
console.log(`[faults] fuzz: fast-check seed ${SEED} (replay: ${REPLAY})`);

function fuzzSeed(): number {
  const raw = (process.env.FC_SEED ?? '').trim();
  if (raw === '') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new TypeError(`FC_SEED must be an integer, got ${raw}`);
  return n;
}

// A fake server answers each command with generated RESP values, cut into chunks at random byte
// boundaries, optionally followed by garbage or a truncated value and a close. Every command must
// resolve with the model's value, reject ReplyError for an error reply, or reject ProtocolError /
// ConnectionClosedError once the stream is broken; never crash, never hang.

/** A RESP2 value as the server sends it. */
type Model =
  | { t: 'simple'; s: string }
  | { t: 'error'; s: string }
  | { t: 'int'; n: number }
  | { t: 'bulk'; b: Buffer }
  | { t: 'nil' }
  | { t: 'nilArray' }
  | { t: 'array'; items: Model[] };

type Tail =
  | { kind: 'none' }
  /** The server closes the connection after the replies. */
  | { kind: 'close' }
  /** Bytes that are not RESP (the first one is no type byte), then a close. */
  | { kind: 'garbage'; bytes: Buffer }
  /** The first `cut` bytes of one more value, then a close. */
  | { kind: 'truncated'; value: Model; cut: number };

interface Scenario {
  /** `encoding` option of the connection (undefined: the default, utf8). */
  connectionEncoding: ReplyEncoding | undefined;
  /** Per command: the `encoding` argument of send() (undefined: the connection's). */
  encodings: (ReplyEncoding | undefined)[];
  /** Replies for the first commands (at most one per command). */
  replies: Model[];
  tail: Tail;
  /** Byte offsets at which the stream is cut into separate writes. */
  cuts: number[];
}

const CRLF = Buffer.from('\r\n');

function encode(m: Model): Buffer {
  switch (m.t) {
    case 'simple':
      return Buffer.from(`+${m.s}\r\n`);
    case 'error':
      return Buffer.from(`-${m.s}\r\n`);
    case 'int':
      return Buffer.from(`:${m.n}\r\n`);
    case 'bulk':
      return Buffer.concat([Buffer.from(`$${m.b.length}\r\n`), m.b, CRLF]);
    case 'nil':
      return Buffer.from('$-1\r\n');
    case 'nilArray':
      return Buffer.from('*-1\r\n');
    case 'array':
      return Buffer.concat([Buffer.from(`*${m.items.length}\r\n`), ...m.items.map(encode)]);
  }
}

/** What the client must produce for `m` (strings are decoded as UTF-8, or left as Buffers). */
function check(actual: unknown, m: Model, buffers: boolean, path: string): void {
  switch (m.t) {
    case 'simple': {
      const bytes = Buffer.from(m.s);
      if (buffers) {
        assert.ok(Buffer.isBuffer(actual), `${path}: a Buffer, got ${typeof actual}`);
        assert.ok(actual.equals(bytes), `${path}: ${JSON.stringify(actual.toString())} != ${JSON.stringify(m.s)}`);
      } else assert.equal(actual, bytes.toString(), path);
      return;
    }
    case 'error':
      // An error nested in an array is an element, not a rejection.
      assert.ok(actual instanceof Error, `${path}: an Error, got ${typeof actual}`);
      assert.equal(actual.message, Buffer.from(m.s).toString(), path);
      return;
    case 'int':
      assert.equal(actual, m.n, path);
      return;
    case 'bulk':
      if (buffers) {
        assert.ok(Buffer.isBuffer(actual), `${path}: a Buffer, got ${typeof actual}`);
        assert.ok(actual.equals(m.b), `${path}: ${actual.length} bytes differ from the ${m.b.length} sent`);
      } else assert.equal(actual, m.b.toString('utf8'), path);
      return;
    case 'nil':
    case 'nilArray':
      assert.equal(actual, null, path);
      return;
    case 'array':
      assert.ok(Array.isArray(actual), `${path}: an array, got ${typeof actual}`);
      assert.equal(actual.length, m.items.length, `${path}: length`);
      m.items.forEach((item, i) => check(actual[i], item, buffers, `${path}[${i}]`));
      return;
  }
}

// ---- generators ----

/** Text for simple strings and errors: anything but CR and LF. */
const lineText = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));

function pseudoRandomBytes(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const bulkBytes = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  // Valid UTF-8 text, multi-byte characters included (cut in the middle by the chunking).
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => Buffer.from(s)) },
  // Large values: the parser's multi-chunk path.
  {
    weight: 1,
    arbitrary: fc
      .record({ size: fc.integer({ min: 1_000, max: 80_000 }), seed: fc.integer() })
      .map(({ size, seed }) => pseudoRandomBytes(size, seed)),
  },
);

const leaf: fc.Arbitrary<Model> = fc.oneof(
  lineText.map((s): Model => ({ t: 'simple', s })),
  lineText.map((s): Model => ({ t: 'error', s })),
  fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.maxSafeNat()).map((n): Model => ({ t: 'int', n })),
  bulkBytes.map((b): Model => ({ t: 'bulk', b })),
  fc.constant<Model>({ t: 'nil' }),
  fc.constant<Model>({ t: 'nilArray' }),
);

const { model } = fc.letrec<{ model: Model }>((tie) => ({
  model: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('model'), { maxLength: 5 }).map((items): Model => ({ t: 'array', items })),
  ),
}));

/** Bytes whose first byte is no RESP2 type byte (+ - : $ *). */
const garbage = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }).filter((b) => !'+-:$*'.includes(String.fromCharCode(b))),
    fc.uint8Array({ maxLength: 30 }),
  )
  .map(([first, rest]) => Buffer.from([first, ...rest]));

const encodingArb = fc.constantFrom<ReplyEncoding | undefined>(undefined, null, 'utf8');

const scenarios: fc.Arbitrary<Scenario> = fc
  .record({
    connectionEncoding: fc.constantFrom<ReplyEncoding | undefined>(undefined, null),
    encodings: fc.array(encodingArb, { minLength: 1, maxLength: 8 }),
    replies: fc.array(model, { maxLength: 8 }),
    tail: fc.oneof(
      { weight: 4, arbitrary: fc.constant<Tail>({ kind: 'none' }) },
      { weight: 1, arbitrary: fc.constant<Tail>({ kind: 'close' }) },
      { weight: 2, arbitrary: garbage.map((bytes): Tail => ({ kind: 'garbage', bytes })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(model, fc.double({ min: 0, max: 1, noNaN: true }))
          .map(([value, f]): Tail => ({ kind: 'truncated', value, cut: f })),
      },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 40 }),
  })
  .map((s) => {
    const replies = s.replies.slice(0, s.encodings.length);
    // Without a broken tail every command gets its reply.
    const tail: Tail = s.tail.kind === 'none' && replies.length < s.encodings.length ? { kind: 'close' } : s.tail;
    if (tail.kind === 'truncated') {
      // A proper prefix: at least one byte, never the whole value.
      const length = encode(tail.value).length;
      return { ...s, replies, tail: { ...tail, cut: 1 + Math.min(length - 2, Math.floor(tail.cut * (length - 1))) } };
    }
    return { ...s, replies, tail };
  });

// ---- the fake server ----

/** What the client sends for `GET k`: the server waits for all of it before answering. */
const REQUEST_BYTES = Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n').length;

function stream(s: Scenario): Buffer {
  const parts = s.replies.map(encode);
  if (s.tail.kind === 'garbage') parts.push(s.tail.bytes);
  if (s.tail.kind === 'truncated') parts.push(encode(s.tail.value).subarray(0, s.tail.cut));
  return Buffer.concat(parts);
}

function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  if (bytes.length === 0) return [];
  const at = [...new Set(cuts.map((c) => c % bytes.length).filter((c) => c > 0))].toSorted((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}

/** Lets the client's socket read what was written before the next write (same event loop). */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

class FakeServer {
  private readonly server = net.createServer((socket) => this.onConnection(socket));
  private readonly sockets = new Set<net.Socket>();
  private next: { scenario: Scenario; requests: number; cuts: number[] } | null = null;
  /** Errors of the server side itself (must stay empty). */
  readonly problems: string[] = [];

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The next connection plays this scenario. */
  expect(scenario: Scenario, cuts = scenario.cuts): void {
    this.next = { scenario, requests: scenario.encodings.length, cuts };
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    // The client may close first; a reset then is expected.
    socket.on('error', () => undefined);
    const job = this.next;
    this.next = null;
    if (job === null) {
      this.problems.push('a connection arrived with no scenario');
      socket.destroy();
      return;
    }
    let received = 0;
    let started = false;
    socket.on('data', (data: Buffer) => {
      received += data.length;
      if (started || received < job.requests * REQUEST_BYTES) return;
      started = true;
      void this.play(socket, job.scenario, job.cuts).catch((error: unknown) =>
        this.problems.push(`server: ${describeError(error)}`),
      );
    });
  }

  private async play(socket: net.Socket, s: Scenario, cuts: number[]): Promise<void> {
    for (const chunk of chunks(stream(s), cuts)) {
      if (socket.destroyed) return;
      socket.write(chunk);
      await turn();
    }
    if (s.tail.kind !== 'none') socket.end();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What the runs exercised, printed at the end (a property that checks nothing would show here). */
const stats = { commands: 0, resolved: 0, replyErrors: 0, protocolErrors: 0, closedErrors: 0, chunks: 0, bytes: 0 };

/** Runs one scenario against the server; throws (an assertion) when the client misbehaves. */
async function play(server: FakeServer, port: number, s: Scenario, cuts?: number[]): Promise<void> {
  server.expect(s, cuts);
  const conn: RedisConnection = await createConnection(['127.0.0.1', port], {
    encoding: s.connectionEncoding,
    connectTimeout: 2_000,
  });
  try {
    const outcomes = await within(
      Promise.allSettled(s.encodings.map((encoding) => conn.send('GET', ['k'], encoding))),
      5_000,
      'the commands (a hang)',
    );
    const broken = s.tail.kind === 'garbage' ? 'ProtocolError' : 'ConnectionClosedError';
    const sent = stream(s);
    stats.bytes += sent.length;
    stats.chunks += chunks(sent, cuts ?? s.cuts).length;
    outcomes.forEach((outcome, i) => {
      stats.commands++;
      if (outcome.status === 'fulfilled') stats.resolved++;
      else if (outcome.reason instanceof ProtocolError) stats.protocolErrors++;
      else if (outcome.reason instanceof ConnectionClosedError) stats.closedErrors++;
      else if (outcome.reason instanceof ReplyError) stats.replyErrors++;
      const encoding = s.encodings[i];
      const buffers = encoding === undefined ? s.connectionEncoding === null : encoding === null;
      const where = `command ${i} (encoding ${String(encoding)} on a ${String(s.connectionEncoding)} connection)`;
      const reply = s.replies[i];
      if (reply === undefined) {
        // No reply for it: the stream broke first.
        assert.equal(outcome.status, 'rejected', `${where}: rejects once the stream is broken`);
        const error = (outcome as PromiseRejectedResult).reason as unknown;
        assert.ok(
          broken === 'ProtocolError' ? error instanceof ProtocolError : error instanceof ConnectionClosedError,
          `${where}: ${broken} expected, got ${describeError(error)}`,
        );
        if (error instanceof ConnectionClosedError) assert.equal(error.mayHaveBeenApplied, true, `${where}: was sent`);
        return;
      }
      if (reply.t === 'error') {
        assert.equal(outcome.status, 'rejected', `${where}: an error reply rejects`);
        const error = (outcome as PromiseRejectedResult).reason as unknown;
        assert.ok(error instanceof ReplyError, `${where}: ReplyError expected, got ${describeError(error)}`);
        assert.equal(error.message, Buffer.from(reply.s).toString(), `${where}: message`);
        return;
      }
      if (outcome.status === 'rejected') assert.fail(`${where}: rejected ${describeError(outcome.reason)}`);
      check(outcome.value, reply, buffers, where);
    });
    if (s.tail.kind !== 'none') {
      // The server closed: the connection notices, and nothing is left pending.
      await within(conn.waitClosed(), 5_000, 'waitClosed() after the server closed');
      assert.equal(conn.closed, true);
    }
  } finally {
    conn.close();
    await within(conn.waitClosed(), 5_000, 'waitClosed()');
  }
}

describe('RESP fuzzing against a fake server', () => {
  const server = new FakeServer();
  let port = 0;
  let unhandled: ReturnType<typeof collectUnhandledRejections>;

  before(async () => {
    unhandled = collectUnhandledRejections();
    port = await server.listen();
  });

  after(async () => {
    await server.close();
    unhandled.dispose();
  });

  test(
    'generated replies, cut at random byte boundaries, garbage and truncated tails',
    { timeout: 120_000 },
    async (t) => {
      t.diagnostic(`[faults] fuzz: seed ${SEED}`);
      try {
        await fc.assert(
          fc.asyncProperty(scenarios, async (s) => {
            await play(server, port, s);
          }),
          { seed: SEED, numRuns: 200 },
        );
      } catch (error) {
        // fast-check's message names the counterexample and the path; this says how to run it again.
        throw new Error(`fuzzing failed with seed ${SEED}; replay with: ${REPLAY}\n${describeError(error)}`, {
          cause: error,
        });
      }
      t.diagnostic(`[faults] fuzz: ${JSON.stringify(stats)}`);
      // The generator reaches every outcome (a broken generator would make the property vacuous).
      assert.ok(stats.resolved > 0 && stats.replyErrors > 0 && stats.protocolErrors > 0 && stats.closedErrors > 0);
      assert.ok(stats.chunks > 2 * 200, 'replies were cut into several writes');
      assert.deepEqual(server.problems, []);
      assert.deepEqual(unhandled.reasons.map(describeError), [], 'unhandled rejections');
    },
  );

  test('small replies cut at every byte boundary', { timeout: 60_000 }, async () => {
    const cases: Model[][] = [
      [{ t: 'simple', s: 'OK' }],
      [{ t: 'int', n: -42 }, { t: 'nil' }],
      [{ t: 'bulk', b: Buffer.from('héllo\r\nwörld') }],
      [{ t: 'error', s: 'ERR wrong number of arguments' }, { t: 'nilArray' }],
      [
        {
          t: 'array',
          items: [
            { t: 'bulk', b: Buffer.from([0, 255, 13, 10, 0xe2, 0x82]) },
            { t: 'array', items: [{ t: 'int', n: 7 }, { t: 'error', s: 'WRONGTYPE x' }, { t: 'nil' }] },
            { t: 'array', items: [] },
            { t: 'simple', s: 'PONG' },
          ],
        },
      ],
    ];
    let runs = 0;
    for (const replies of cases) {
      for (const connectionEncoding of [undefined, null] as const) {
        const s: Scenario = {
          connectionEncoding,
          encodings: replies.map((_, i) => (i % 2 === 0 ? undefined : 'utf8')),
          replies,
          tail: { kind: 'none' },
          cuts: [],
        };
        const length = stream(s).length;
        await play(
          server,
          port,
          s,
          Array.from({ length }, (_, i) => i),
        );
        runs++;
      }
    }
    assert.equal(runs, cases.length * 2);
    assert.deepEqual(server.problems, []);
    assert.deepEqual(unhandled.reasons.map(describeError), [], 'unhandled rejections');
  });
});
