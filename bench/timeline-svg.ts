// The failover timeline as an SVG: a pure function from bucketed counts and event times to SVG text
// (no DOM, no I/O), so a unit test checks its structure and a browser test checks that it renders.
// One lane per client (acknowledged writes per bucket as a step line, rejected and lost writes as two
// strips under it), one shared time axis, Sentinel events and harness actions as vertical lines.

export interface TimelineClient {
  label: string;
  /** Acknowledged writes per bucket: acked[i] counts those acknowledged in bucket i. */
  acked: readonly number[];
  /** Rejected writes per bucket (by the time they were rejected). */
  rejected: readonly number[];
  /** Acknowledged writes missing afterwards, per bucket of their acknowledgement. */
  lost: readonly number[];
  /** The lane's totals when they cover more than the buckets (the whole run); else the buckets' sums. */
  totals?: { acked: number; rejected: number; lost: number };
}

export interface TimelineEvent {
  /** Time in ms on the same clock as the buckets (relative to the trigger). */
  ms: number;
  label: string;
  /** `sentinel`: published by a sentinel; `action`: something the harness did (trigger, SIGCONT, restart). */
  kind: 'sentinel' | 'action';
  /** Longer text shown as a tooltip. */
  detail?: string;
}

export interface TimelineData {
  title: string;
  subtitle?: string;
  /** Start of bucket 0, in ms relative to the trigger (t = 0). */
  startMs: number;
  bucketMs: number;
  clients: readonly TimelineClient[];
  events: readonly TimelineEvent[];
}

export interface TimelineGeometry {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  startMs: number;
  endMs: number;
  /** x of a time in ms (clamped to the plot). */
  x(ms: number): number;
  /** Top of the event labels' first row. */
  labelsTop: number;
  /** Each client's lane: its plot (acked series) from plotTop to plotBottom, then the two strips. */
  lanes: { top: number; plotTop: number; plotBottom: number; rejectedY: number; lostY: number }[];
  axisY: number;
}

type BaseGeometry = Pick<TimelineGeometry, 'width' | 'plotLeft' | 'plotRight' | 'startMs' | 'endMs' | 'x'>;

/** Colours of the lanes, in client order (repeated beyond eight); red and orange are kept for losses. */
export const CLIENT_COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#e377c2', '#7f7f7f'];
export const REJECTED_COLOR = '#ff7f0e';
export const LOST_COLOR = '#d62728';
export const SENTINEL_EVENT_COLOR = '#5a5a5a';
export const ACTION_COLOR = '#000000';

const WIDTH = 960;
const PLOT_LEFT = 70;
const PLOT_RIGHT_MARGIN = 20;
const LEGEND_Y = 62;
const LEGEND_ROW_H = 18;
const LEGEND_CHAR_W = 6.1;
const LABEL_ROW_H = 14;
const LANE_HEAD = 18;
const LANE_PLOT = 54;
const STRIP_H = 7;
const STRIP_GAP = 2;
const LANE_GAP = 12;
const AXIS_H = 44;
const EVENT_FONT = 11;
/** Rough width of one character of the 11 px sans-serif labels (for placing labels without a DOM). */
const CHAR_W = 5.7;

/** A white outline under text that crosses grid and event lines. */
const HALO = 'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"';

const LANE_H = LANE_HEAD + LANE_PLOT + 2 * (STRIP_GAP + STRIP_H) + LANE_GAP;

/** Counts of `times` per bucket of `bucketMs` from `startMs`, over `count` buckets (times outside dropped). */
export function bucketize(times: Iterable<number>, startMs: number, bucketMs: number, count: number): number[] {
  const out = Array.from({ length: Math.max(0, count) }, () => 0);
  for (const t of times) {
    const i = Math.floor((t - startMs) / bucketMs);
    if (i >= 0 && i < out.length) out[i]!++;
  }
  return out;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function bucketCount(data: TimelineData): number {
  return Math.max(0, ...data.clients.flatMap((c) => [c.acked.length, c.rejected.length, c.lost.length]));
}

interface PlacedLabel {
  event: TimelineEvent;
  x: number;
  row: number;
  anchor: 'start' | 'end';
}

function labelText(e: TimelineEvent): string {
  return `${e.label} ${formatSeconds(e.ms)}`;
}

/** Rows of labels: each label goes in the row below the lowest earlier label it would overlap. */
function placeLabels(events: readonly TimelineEvent[], geometry: BaseGeometry): PlacedLabel[] {
  const extents: { left: number; right: number; row: number }[] = [];
  const placed: PlacedLabel[] = [];
  // Events outside the window are left out rather than drawn at its edge, where they would mislead.
  const sorted = events
    .filter((e) => Number.isFinite(e.ms) && e.ms >= geometry.startMs && e.ms <= geometry.endMs)
    .toSorted((a, b) => a.ms - b.ms);
  for (const event of sorted) {
    const x = geometry.x(event.ms);
    // Bold (action) labels are about a tenth wider.
    const w = labelText(event).length * CHAR_W * (event.kind === 'action' ? 1.12 : 1) + 4;
    // Near the right edge the label goes to the left of its line.
    const anchor = x + w > geometry.width - 4 ? 'end' : 'start';
    const left = anchor === 'start' ? x - 2 : x - w - 2;
    const right = anchor === 'start' ? x + w : x + 2;
    // Below every earlier label it would touch: the rows read top to bottom in time order, and no later
    // line (which starts at its own label) crosses an earlier label.
    const row = extents.reduce((r, e) => (e.left < right + 6 && left < e.right + 6 ? Math.max(r, e.row + 1) : r), 0);
    extents.push({ left, right, row });
    placed.push({ event, x, row, anchor });
  }
  return placed;
}

interface LegendItem {
  kind: 'client' | 'strip' | 'sentinel' | 'action';
  color: string;
  text: string;
  x: number;
  y: number;
}

/** The legend's items placed in rows: the clients, then (on a row of their own) the marks and lines. */
function layoutLegend(data: TimelineData, g: BaseGeometry): LegendItem[] {
  const groups: Omit<LegendItem, 'x' | 'y'>[][] = [
    data.clients.map((c, i) => ({
      kind: 'client' as const,
      color: CLIENT_COLORS[i % CLIENT_COLORS.length]!,
      text: c.label,
    })),
    [
      { kind: 'strip', color: REJECTED_COLOR, text: 'rejected writes' },
      { kind: 'strip', color: LOST_COLOR, text: 'lost writes (acknowledged, missing afterwards)' },
      { kind: 'sentinel', color: SENTINEL_EVENT_COLOR, text: 'Sentinel event' },
      { kind: 'action', color: ACTION_COLOR, text: 'harness action' },
    ],
  ];
  const out: LegendItem[] = [];
  let row = 0;
  for (const group of groups) {
    if (group.length === 0) continue;
    let x = g.plotLeft;
    for (const item of group) {
      const w = 24 + item.text.length * LEGEND_CHAR_W + 18;
      if (x > g.plotLeft && x + w - 18 > g.plotRight) {
        row++;
        x = g.plotLeft;
      }
      out.push({ ...item, x, y: LEGEND_Y + row * LEGEND_ROW_H });
      x += w;
    }
    row++;
  }
  return out;
}

/** Top of the event labels: below the title and the legend. */
function headerHeight(data: TimelineData, g: BaseGeometry): number {
  const items = layoutLegend(data, g);
  const last = items.length > 0 ? Math.max(...items.map((i) => i.y)) : LEGEND_Y;
  return last + LEGEND_ROW_H;
}

function baseGeometry(data: TimelineData, width: number): BaseGeometry {
  const bucketMs = data.bucketMs > 0 ? data.bucketMs : 100;
  const startMs = Number.isFinite(data.startMs) ? data.startMs : 0;
  // An empty timeline still gets a one-bucket axis, so nothing divides by zero.
  const endMs = startMs + Math.max(1, bucketCount(data)) * bucketMs;
  const plotLeft = PLOT_LEFT;
  const plotRight = width - PLOT_RIGHT_MARGIN;
  const x = (ms: number): number => {
    const clamped = Math.min(endMs, Math.max(startMs, ms));
    return plotLeft + ((clamped - startMs) / (endMs - startMs)) * (plotRight - plotLeft);
  };
  return { width, plotLeft, plotRight, startMs, endMs, x };
}

/** Where things go: the test of the rendered picture uses this to know where to look. */
export function timelineGeometry(data: TimelineData, width = WIDTH): TimelineGeometry {
  const base = baseGeometry(data, width);
  const rows = Math.max(1, ...placeLabels(data.events, base).map((l) => l.row + 1));
  const labelsTop = headerHeight(data, base);
  const lanesTop = labelsTop + rows * LABEL_ROW_H + 6;
  const lanes = data.clients.map((_, i) => {
    const top = lanesTop + i * LANE_H;
    const plotTop = top + LANE_HEAD;
    const plotBottom = plotTop + LANE_PLOT;
    const rejectedY = plotBottom + STRIP_GAP + 1;
    return { top, plotTop, plotBottom, rejectedY, lostY: rejectedY + STRIP_H + STRIP_GAP };
  });
  const axisY = lanesTop + Math.max(1, data.clients.length) * LANE_H - LANE_GAP + 8;
  return { ...base, height: axisY + AXIS_H - 8, labelsTop, lanes, axisY };
}

/** "3 ms", "1.18 s", "−0.5 s", "12 s". */
function formatSeconds(ms: number): string {
  if (Math.abs(ms) < 1000 && ms !== 0 && Math.abs(ms) >= 0.5)
    return `${ms < 0 ? '−' : ''}${Math.round(Math.abs(ms))} ms`;
  const s = ms / 1000;
  const abs = Math.abs(s);
  const text = abs >= 10 ? abs.toFixed(1) : abs.toFixed(2);
  return `${s < 0 ? '−' : ''}${text.replace(/\.?0+$/, '') || '0'} s`;
}

/** Axis ticks in seconds: "−1", "0", "0.5", "12". */
function tickLabel(ms: number): string {
  const text = Number((Math.abs(ms) / 1000).toFixed(1)).toString();
  return ms < 0 ? `−${text}` : text;
}

/** A round tick step in seconds giving at most about 14 ticks. */
function tickStepMs(spanMs: number): number {
  for (const step of [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000]) {
    if (spanMs / step <= 14) return step;
  }
  return 120_000;
}

/** The y scale's top: the steady rate with room to spare; larger bursts are clipped and labelled. */
function yMaxOf(clients: readonly TimelineClient[]): number {
  const counts = clients.flatMap((c) => c.acked).filter((v) => v > 0);
  if (counts.length === 0) return 1;
  const sorted = counts.toSorted((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  const max = sorted[sorted.length - 1]!;
  const cap = Math.max(2, Math.ceil(median * 2.5));
  const top = Math.min(max, cap);
  if (top <= 10) return Math.max(1, top);
  return Math.ceil(top / 5) * 5;
}

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();
/** Crisp 1 px vertical lines: on a half pixel. */
const crisp = (v: number): string => (Math.round(v) + 0.5).toString();

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function timelineSvg(data: TimelineData, options: { width?: number } = {}): string {
  const g = timelineGeometry(data, options.width ?? WIDTH);
  const { width, height, plotLeft, plotRight, startMs, endMs, x, axisY, labelsTop } = g;
  const bucketMs = data.bucketMs > 0 ? data.bucketMs : 100;
  const labels = placeLabels(data.events, g);
  const lanesTop = g.lanes[0]?.top ?? axisY - LANE_H;
  const yMax = yMaxOf(data.clients);
  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, 'Liberation Sans', sans-serif" font-size="12">`,
  );
  o.push(`<title>${escapeXml(data.title)}</title>`);
  o.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  o.push(`<text x="${plotLeft}" y="22" font-size="15" font-weight="bold">${escapeXml(data.title)}</text>`);
  if (data.subtitle !== undefined)
    o.push(`<text x="${plotLeft}" y="40" fill="#555">${escapeXml(data.subtitle)}</text>`);

  for (const item of layoutLegend(data, g)) {
    const { x: ix, y: iy } = item;
    if (item.kind === 'client')
      o.push(
        `<line x1="${r1(ix)}" y1="${iy}" x2="${r1(ix + 18)}" y2="${iy}" stroke="${item.color}" stroke-width="2.5"/>`,
      );
    else if (item.kind === 'strip')
      o.push(`<rect x="${r1(ix)}" y="${iy - STRIP_H / 2}" width="18" height="${STRIP_H}" fill="${item.color}"/>`);
    else
      o.push(
        `<line x1="${r1(ix + 9)}" y1="${iy - 7}" x2="${r1(ix + 9)}" y2="${iy + 7}" stroke="${item.color}" stroke-width="1"${item.kind === 'sentinel' ? ' stroke-dasharray="4,2"' : ''}/>`,
      );
    o.push(`<text x="${r1(ix + 24)}" y="${iy + 4}" fill="#333">${escapeXml(item.text)}</text>`);
  }

  // Time grid and axis.
  const step = tickStepMs(endMs - startMs);
  o.push(`<g class="axis" font-size="11" fill="#333">`);
  for (let t = Math.ceil(startMs / step) * step; t <= endMs; t += step) {
    const tx = crisp(x(t));
    o.push(
      `<line x1="${tx}" y1="${lanesTop}" x2="${tx}" y2="${axisY}" stroke="${t === 0 ? '#bbb' : '#ececec'}" stroke-width="1"/>`,
    );
    o.push(`<text x="${tx}" y="${axisY + 14}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  o.push(`<line x1="${plotLeft}" y1="${axisY}" x2="${plotRight}" y2="${axisY}" stroke="#999" stroke-width="1"/>`);
  o.push(
    `<text x="${r1((plotLeft + plotRight) / 2)}" y="${axisY + 32}" text-anchor="middle" fill="#555">seconds from the trigger (t = 0); writes counted per ${bucketMs} ms</text>`,
  );
  o.push('</g>');

  if (data.clients.length === 0)
    o.push(
      `<text x="${r1((plotLeft + plotRight) / 2)}" y="${lanesTop + LANE_H / 2}" text-anchor="middle" fill="#999">no data</text>`,
    );

  data.clients.forEach((c, i) => {
    const color = CLIENT_COLORS[i % CLIENT_COLORS.length]!;
    const { top, plotTop, plotBottom, rejectedY, lostY } = g.lanes[i]!;
    const y = (v: number): number => plotBottom - (Math.min(v, yMax) / yMax) * (LANE_PLOT - 4);
    o.push(`<g class="lane" data-client="${escapeXml(c.label)}">`);
    o.push(
      `<text x="${plotLeft}" y="${top + 13}" font-weight="bold" fill="${color}" ${HALO}>${escapeXml(c.label)}</text>`,
    );
    const totals = c.totals ?? { acked: sum(c.acked), rejected: sum(c.rejected), lost: sum(c.lost) };
    o.push(
      `<text x="${plotRight}" y="${top + 13}" text-anchor="end" fill="#444" ${HALO}>${totals.acked} acked · <tspan fill="${totals.rejected > 0 ? '#c05a00' : '#444'}">${totals.rejected} rejected</tspan> · <tspan fill="${totals.lost > 0 ? LOST_COLOR : '#444'}">${totals.lost} lost</tspan></text>`,
    );
    // Plot frame and y labels.
    o.push(
      `<line x1="${plotLeft}" y1="${plotBottom + 0.5}" x2="${plotRight}" y2="${plotBottom + 0.5}" stroke="#bbb" stroke-width="1"/>`,
    );
    o.push(
      `<line x1="${plotLeft}" y1="${r1(y(yMax))}" x2="${plotRight}" y2="${r1(y(yMax))}" stroke="#f0f0f0" stroke-width="1"/>`,
    );
    o.push(
      `<text x="${plotLeft - 6}" y="${r1(y(yMax) + 4)}" text-anchor="end" font-size="10" fill="#777">${yMax}</text>`,
    );
    o.push(`<text x="${plotLeft - 6}" y="${plotBottom - 1}" text-anchor="end" font-size="10" fill="#777">0</text>`);
    o.push(
      `<text x="${plotLeft - 6}" y="${rejectedY + STRIP_H - 1}" text-anchor="end" font-size="9" fill="#888">rejected</text>`,
    );
    o.push(
      `<text x="${plotLeft - 6}" y="${lostY + STRIP_H - 1}" text-anchor="end" font-size="9" fill="#888">lost</text>`,
    );
    // The acked series as a step line over a light fill.
    if (c.acked.length > 0) {
      const parts: string[] = [`M${r1(x(startMs))},${r1(y(c.acked[0]!))}`];
      c.acked.forEach((v, b) => {
        if (b > 0) parts.push(`V${r1(y(v))}`);
        parts.push(`H${r1(x(startMs + (b + 1) * bucketMs))}`);
      });
      const line = parts.join('');
      o.push(`<path d="${line}V${plotBottom}H${r1(x(startMs))}Z" fill="${color}" fill-opacity="0.13" stroke="none"/>`);
      o.push(
        `<path class="acked" d="${line}" fill="none" stroke="${color}" stroke-width="1.8" stroke-linejoin="round"/>`,
      );
      // Bursts above the scale: the step is clipped; a label right of each run says the largest count.
      for (let b = 0; b < c.acked.length; b++) {
        if (!(c.acked[b]! > yMax)) continue;
        let end = b;
        let most = 0;
        while (end < c.acked.length && c.acked[end]! > yMax) most = Math.max(most, c.acked[end++]!);
        const after = x(startMs + end * bucketMs) + 3;
        const left = after + 40 > plotRight;
        o.push(
          `<text class="burst" x="${r1(left ? x(startMs + b * bucketMs) - 3 : after)}" y="${r1(plotTop + 10)}" text-anchor="${left ? 'end' : 'start'}" font-size="10" fill="${color}" ${HALO}>▲ ${most}</text>`,
        );
        b = end;
      }
    }
    // Rejected and lost writes: a strip each, one cell per bucket with any.
    const strip = (counts: readonly number[], fill: string, sy: number, what: string): void => {
      o.push(`<rect x="${plotLeft}" y="${sy}" width="${plotRight - plotLeft}" height="${STRIP_H}" fill="#f4f4f4"/>`);
      // One cell per run of consecutive buckets with any, so neighbouring buckets show no seam.
      for (let b = 0; b < counts.length; b++) {
        if (!(counts[b]! > 0)) continue;
        let end = b;
        let n = 0;
        while (end < counts.length && counts[end]! > 0) n += counts[end++]!;
        const x0 = x(startMs + b * bucketMs);
        const x1 = x(startMs + end * bucketMs);
        o.push(
          `<rect class="${what}" x="${r1(x0)}" y="${sy}" width="${r1(Math.max(2, x1 - x0))}" height="${STRIP_H}" fill="${fill}"><title>${n} ${what} from ${formatSeconds(startMs + b * bucketMs)} to ${formatSeconds(startMs + end * bucketMs)}</title></rect>`,
        );
        b = end;
      }
    };
    strip(c.rejected, REJECTED_COLOR, rejectedY, 'rejected');
    strip(c.lost, LOST_COLOR, lostY, 'lost');
    o.push('</g>');
  });

  // Events: a line through every lane, its label in the rows above them.
  for (const l of labels) {
    const e = l.event;
    const color = e.kind === 'action' ? ACTION_COLOR : SENTINEL_EVENT_COLOR;
    const lx1 = crisp(l.x);
    const labelY = labelsTop + l.row * LABEL_ROW_H + 10;
    const tip = escapeXml(e.detail ?? `${e.label} at ${formatSeconds(e.ms)}`);
    o.push(`<g class="event ${e.kind}" data-ms="${r1(e.ms)}">`);
    o.push(`<title>${tip}</title>`);
    o.push(
      `<line x1="${lx1}" y1="${labelY + 3}" x2="${lx1}" y2="${axisY}" stroke="${color}" stroke-width="1"${e.kind === 'sentinel' ? ' stroke-dasharray="4,2"' : ''}/>`,
    );
    o.push(
      `<text x="${r1(l.anchor === 'start' ? l.x + 3 : l.x - 3)}" y="${labelY}" text-anchor="${l.anchor}" font-size="${EVENT_FONT}" fill="${color}" ${HALO}${e.kind === 'action' ? ' font-weight="bold"' : ''}>${escapeXml(labelText(e))}</text>`,
    );
    o.push('</g>');
  }
  o.push('</svg>');
  return o.join('\n') + '\n';
}
