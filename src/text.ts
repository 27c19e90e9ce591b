/** A reply element or argument as text: Buffers decoded (UTF-8 unless told), anything else through String(). */
export function toText(value: unknown, encoding: BufferEncoding = 'utf8'): string {
  return Buffer.isBuffer(value) ? value.toString(encoding) : String(value);
}
