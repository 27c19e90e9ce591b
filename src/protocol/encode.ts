import type { RedisArg } from '../types.js';

/**
 * Appends one command in RESP (array of bulk strings) to a write batch. Strings accumulate in
 * `batch.text` so a tick's worth of small commands leaves as one string; a Buffer argument is kept as
 * its own chunk, never copied.
 */
export class WriteBatch {
  text = '';
  /** About how many bytes are queued (string lengths in UTF-16 units, Buffer lengths). */
  size = 0;
  chunks: (string | Buffer)[] | null = null;

  get empty(): boolean {
    return this.text.length === 0 && this.chunks === null;
  }

  push(name: string, args: readonly RedisArg[]): void {
    let parts: (string | Buffer)[] | null = null;
    let out = '*' + (args.length + 1) + '\r\n$' + Buffer.byteLength(name) + '\r\n' + name + '\r\n';
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (typeof arg === 'string') {
        out += '$' + Buffer.byteLength(arg) + '\r\n' + arg + '\r\n';
      } else if (typeof arg === 'number') {
        const s = String(arg);
        out += '$' + s.length + '\r\n' + s + '\r\n';
      } else if (Buffer.isBuffer(arg)) {
        // Buffers go out as their own chunk, never copied; committed only once every argument is valid
        (parts ??= []).push(out + '$' + arg.length + '\r\n', arg);
        out = '\r\n';
      } else {
        throw new TypeError(`Invalid argument type ${arg === null ? 'null' : typeof arg} for command ${name}`);
      }
    }
    this.size += out.length;
    if (parts !== null) for (const p of parts) this.size += p.length;
    if (parts === null && this.chunks === null) {
      this.text += out;
      return;
    }
    if (parts !== null) for (const p of parts) this.pushChunk(p);
    this.pushChunk(out);
  }

  private pushChunk(chunk: string | Buffer): void {
    if (this.chunks === null) {
      this.chunks = this.text.length > 0 ? [this.text] : [];
      this.text = '';
    }
    if (typeof chunk === 'string') {
      const last = this.chunks.length - 1;
      if (last >= 0 && typeof this.chunks[last] === 'string') {
        this.chunks[last] = (this.chunks[last] as string) + chunk;
        return;
      }
      if (chunk.length === 0) return;
    }
    this.chunks.push(chunk);
  }

  /** Returns what to write and resets the batch. */
  take(): string | (string | Buffer)[] {
    const out = this.chunks === null ? this.text : this.chunks;
    this.text = '';
    this.chunks = null;
    this.size = 0;
    return out;
  }
}

/** Encodes one command to a single Buffer (tests and tools; the connection uses WriteBatch). */
export function encodeCommand(name: string, args: readonly RedisArg[]): Buffer {
  const batch = new WriteBatch();
  batch.push(name, args);
  const out = batch.take();
  return typeof out === 'string'
    ? Buffer.from(out)
    : Buffer.concat(out.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}
