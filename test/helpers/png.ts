// A small PNG decoder for tests that check a screenshot: 8-bit grey, grey+alpha, RGB or RGBA,
// non-interlaced (what Chromium writes). No palette, no 16-bit, no Adam7.

import { inflateSync } from 'node:zlib';

export interface Png {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, rows top to bottom. */
  rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Bytes per pixel of each supported colour type at bit depth 8. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export function decodePng(file: Buffer): Png {
  if (file.length < 8 || !file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= file.length;) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const data = file.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8]!;
      colorType = data[9]!;
      const interlace = data[12]!;
      if (bitDepth !== 8 || CHANNELS[colorType] === undefined || interlace !== 0)
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + length; // length, type, data, CRC
  }
  if (width === 0 || height === 0 || idat.length === 0) throw new Error('PNG without IHDR or IDAT');
  const bpp = CHANNELS[colorType]!;
  const stride = width * bpp;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < height * (stride + 1)) throw new Error('PNG image data too short');
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? pixels[row + i - bpp]! : 0;
      const b = y > 0 ? pixels[up + i]! : 0;
      const c = i >= bpp && y > 0 ? pixels[up + i - bpp]! : 0;
      pixels[row + i] = (raw[src + i]! + unfilter(filter, a, b, c)) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * bpp;
    const grey = bpp <= 2;
    rgba[p * 4] = pixels[s]!;
    rgba[p * 4 + 1] = grey ? pixels[s]! : pixels[s + 1]!;
    rgba[p * 4 + 2] = grey ? pixels[s]! : pixels[s + 2]!;
    rgba[p * 4 + 3] = bpp === 2 ? pixels[s + 1]! : bpp === 4 ? pixels[s + 3]! : 255;
  }
  return { width, height, rgba };
}

/** What the filter adds back, from the left (a), above (b) and upper-left (c) bytes. */
function unfilter(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4: {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      throw new Error(`unknown PNG filter ${filter}`);
  }
}

export function pixel(png: Png, x: number, y: number): [number, number, number, number] {
  const i = (y * png.width + x) * 4;
  return [png.rgba[i]!, png.rgba[i + 1]!, png.rgba[i + 2]!, png.rgba[i + 3]!];
}

/** "#1f77b4" -> [31, 119, 180]. */
export function hexColor(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** Pixels in the rectangle [x0, x1) x [y0, y1) within `tolerance` of `color` on every channel. */
export function countColor(
  png: Png,
  color: [number, number, number],
  box: { x0: number; y0: number; x1: number; y1: number },
  tolerance = 8,
): number {
  let n = 0;
  for (let y = Math.max(0, box.y0); y < Math.min(png.height, box.y1); y++)
    for (let x = Math.max(0, box.x0); x < Math.min(png.width, box.x1); x++) {
      const [r, g, b] = pixel(png, x, y);
      if (
        Math.abs(r - color[0]) <= tolerance &&
        Math.abs(g - color[1]) <= tolerance &&
        Math.abs(b - color[2]) <= tolerance
      )
        n++;
    }
  return n;
}
