import { toText } from '../text.js';

/** The same reply channel as Nest's Redis transporter. */
export function replyChannelOf(channel: string): string {
  return `${channel}.reply`;
}

/** Parses a packet the way Nest's Redis transporter does: JSON when it is JSON, else the text itself. */
export function parsePacket(message: string | Buffer): unknown {
  const text = toText(message);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
