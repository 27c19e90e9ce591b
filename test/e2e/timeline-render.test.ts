// The failover timeline opened in a real browser: headless Chromium takes a screenshot of an SVG written
// by the same pure function the bench uses, and the decoded PNG must show the lanes, the marks and the
// event lines where the geometry puts them.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ACTION_COLOR,
  CLIENT_COLORS,
  LOST_COLOR,
  REJECTED_COLOR,
  SENTINEL_EVENT_COLOR,
  timelineGeometry,
  timelineSvg,
  type TimelineData,
} from '../../bench/timeline-svg.js';
import { countColor, decodePng, hexColor, type Png } from '../helpers/png.js';

const CHROMIUM_TIMEOUT_MS = 60_000;

/** A graceful failover in 100 ms buckets from -1.5 s to 6 s: one client holds, one loses, one rejects. */
function dataset(): TimelineData {
  const n = 75;
  const series = (f: (ms: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i * 100 - 1500));
  return {
    title: 'Failover timeline, graceful: SENTINEL FAILOVER (synthetic)',
    subtitle: 'acknowledged writes per 100 ms',
    startMs: -1500,
    bucketMs: 100,
    clients: [
      {
        label: 'nestjs-redis-sentinel',
        acked: series((t) => (t >= 0 && t < 1200 ? 0 : t === 1200 ? 120 : 10)),
        rejected: series(() => 0),
        lost: series(() => 0),
      },
      {
        label: 'ioredis',
        acked: series(() => 10),
        rejected: series(() => 0),
        lost: series((t) => (t >= 1200 && t < 4000 ? 10 : 0)),
      },
      {
        label: 'node-redis',
        acked: series((t) => (t >= 2000 && t < 3000 ? 0 : 10)),
        rejected: series((t) => (t >= 2000 && t < 2300 ? 3 : 0)),
        lost: series(() => 0),
      },
    ],
    events: [
      { ms: 0, label: 'SENTINEL FAILOVER', kind: 'action' },
      { ms: 40, label: '+try-failover', kind: 'sentinel' },
      { ms: 1110, label: '+promoted-slave', kind: 'sentinel' },
      { ms: 1200, label: '+switch-master', kind: 'sentinel' },
      { ms: 4500, label: 'note <&>', kind: 'sentinel' },
    ],
  };
}

/** Runs headless Chromium on the file; its whole process group is killed on timeout and afterwards. */
async function screenshot(svgFile: string, pngFile: string, width: number, height: number, profile: string) {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    '--force-device-scale-factor=1',
    '--no-first-run',
    `--user-data-dir=${profile}`,
    `--screenshot=${pngFile}`,
    `--window-size=${width},${height}`,
    pathToFileURL(svgFile).href,
  ];
  const child = spawn('chromium', args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  try {
    const exit = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup();
        reject(new Error(`chromium did not exit within ${CHROMIUM_TIMEOUT_MS} ms:\n${stderr}`));
      }, CHROMIUM_TIMEOUT_MS);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new Error(
            `could not run chromium (npm test installs it as root; else apt-get install chromium): ${error.message}`,
          ),
        );
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    assert.equal(exit, 0, `chromium exited with ${exit}:\n${stderr}`);
  } finally {
    // Helpers it started (zygote, GPU, renderer) share its process group.
    killGroup();
  }
}

describe('failover timeline rendered by headless Chromium', () => {
  const data = dataset();
  const g = timelineGeometry(data);
  let dir = '';
  let png: Png;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'timeline-render-'));
    const svgFile = path.join(dir, 'timeline.svg');
    const pngFile = path.join(dir, 'timeline.png');
    await writeFile(svgFile, timelineSvg(data));
    await screenshot(svgFile, pngFile, g.width, g.height, path.join(dir, 'profile'));
    png = decodePng(await readFile(pngFile));
  });

  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('the screenshot has the size of the SVG and is not blank', () => {
    assert.equal(png.width, g.width);
    assert.equal(png.height, g.height);
    const colours = new Set<number>();
    let ink = 0;
    for (let i = 0; i < png.rgba.length; i += 4) {
      const rgb = (png.rgba[i]! << 16) | (png.rgba[i + 1]! << 8) | png.rgba[i + 2]!;
      colours.add(rgb);
      if (rgb !== 0xffffff) ink++;
    }
    assert.ok(ink > png.width * png.height * 0.03, `only ${ink} non-white pixels`);
    assert.ok(colours.size > 50, `only ${colours.size} colours`);
  });

  test("each client's line colour is in its own lane's plot, not in the others'", () => {
    g.lanes.forEach((lane, i) => {
      const color = hexColor(CLIENT_COLORS[i]!);
      for (const [j, other] of g.lanes.entries()) {
        const box = { x0: g.plotLeft + 2, x1: g.plotRight - 2, y0: other.plotTop, y1: other.plotBottom + 1 };
        const n = countColor(png, color, box, 12);
        // The step line runs across the whole plot (about 870 px at 1.8 px wide).
        if (j === i) assert.ok(n > 400, `lane ${i}: only ${n} pixels of ${CLIENT_COLORS[i]}`);
        else assert.ok(n < 20, `lane ${j}: ${n} pixels of lane ${i}'s ${CLIENT_COLORS[i]}`);
      }
    });
  });

  test('rejected and lost writes are marked in their strips over the right time span', () => {
    const strip = (y: number, from: number, to: number) => ({
      x0: Math.ceil(g.x(from)) + 1,
      x1: Math.floor(g.x(to)) - 1,
      y0: y + 1,
      y1: y + 6,
    });
    const lost = hexColor(LOST_COLOR);
    const rejected = hexColor(REJECTED_COLOR);
    const ioredis = g.lanes[1]!;
    const nodeRedis = g.lanes[2]!;
    const lostBox = strip(ioredis.lostY, 1200, 4000);
    const full = (lostBox.x1 - lostBox.x0) * (lostBox.y1 - lostBox.y0);
    assert.ok(countColor(png, lost, lostBox) > full * 0.9, 'the lost run of ioredis');
    assert.equal(countColor(png, lost, strip(ioredis.lostY, 4200, 6000)), 0, 'nothing lost after 4 s');
    assert.equal(countColor(png, lost, strip(g.lanes[0]!.lostY, -1500, 6000)), 0, 'nothing lost by the first client');
    assert.ok(countColor(png, rejected, strip(nodeRedis.rejectedY, 2000, 2300)) > 0, 'the rejected run');
    assert.equal(countColor(png, rejected, strip(nodeRedis.rejectedY, 2400, 6000)), 0);
  });

  test('event lines are drawn in their colour at their time, through the lanes', () => {
    // The pixels of `color` in a 3 px column at the time, over the lanes' plots (not their headers).
    const inColumn = (ms: number, color: string): number => {
      const x = Math.round(g.x(ms));
      return g.lanes.reduce(
        (n, lane) =>
          n + countColor(png, hexColor(color), { x0: x - 1, x1: x + 2, y0: lane.plotTop, y1: lane.plotBottom }, 10),
        0,
      );
    };
    const height = g.lanes.reduce((n, lane) => n + lane.plotBottom - lane.plotTop, 0);
    // Dashed 4 on, 2 off: about two thirds of the column's height (less where a lane's line crosses).
    for (const ms of [1110, 1200, 4500]) {
      const n = inColumn(ms, SENTINEL_EVENT_COLOR);
      assert.ok(n > height * 0.4, `event at ${ms} ms: only ${n} of ${height} pixels of ${SENTINEL_EVENT_COLOR}`);
    }
    assert.ok(inColumn(0, ACTION_COLOR) > height * 0.8, 'the trigger line');
    // Where no event is, no event colour.
    for (const ms of [-1000, 2500, 5500]) assert.equal(inColumn(ms, SENTINEL_EVENT_COLOR), 0, `${ms} ms`);
  });
});
