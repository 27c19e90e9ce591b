import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTION_COLOR,
  CLIENT_COLORS,
  LOST_COLOR,
  REJECTED_COLOR,
  SENTINEL_EVENT_COLOR,
  bucketize,
  timelineGeometry,
  timelineSvg,
  type TimelineData,
} from '../../bench/timeline-svg.js';

const steady = (n: number, v: number): number[] => Array.from({ length: n }, () => v);

/** 3 s from -1 s, two clients, a trigger and a switch: the shape of a real phase, small. */
function sample(): TimelineData {
  const held = steady(30, 10);
  for (let i = 10; i < 22; i++) held[i] = 0;
  held[22] = 140;
  const lost = steady(30, 0);
  lost[23] = 4;
  lost[24] = 6;
  const rejected = steady(30, 0);
  rejected[12] = 2;
  return {
    title: 'Failover timeline, graceful',
    subtitle: 'a subtitle',
    startMs: -1000,
    bucketMs: 100,
    clients: [
      { label: 'ours', acked: held, rejected, lost: steady(30, 0) },
      { label: 'theirs', acked: steady(30, 10), rejected: steady(30, 0), lost },
    ],
    events: [
      { ms: 0, label: 'SIGKILL', kind: 'action' },
      { ms: 500, label: '+switch-master', kind: 'sentinel', detail: 'mymaster a 1 b 2' },
    ],
  };
}

/** Every element closes in the right order (no stray `<` from a label can hide). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^<>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing === '/') continue;
    if (closing === '/') assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  // Outside tags, no bare `<` or `&` that is not an entity.
  const text = svg.replace(/<[^<>]*>/g, '');
  assert.doesNotMatch(text, /[<>]/);
  assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|apos);)/);
}

/** The x1 of the vertical line of the event group with this data-ms. */
function eventLineX(svg: string, ms: number): number {
  const m = new RegExp(`<g class="event [a-z]+" data-ms="${ms}">[\\s\\S]*?<line x1="([\\d.]+)"`).exec(svg);
  assert.ok(m, `no event group at ${ms} ms`);
  return Number(m[1]);
}

describe('timelineSvg', () => {
  test('an svg element with a viewBox of the computed size, one lane per client, every element closed', () => {
    const data = sample();
    const svg = timelineSvg(data);
    const g = timelineGeometry(data);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.ok(svg.includes(`viewBox="0 0 ${g.width} ${g.height}"`));
    assert.ok(svg.includes(`width="${g.width}" height="${g.height}"`));
    assertBalanced(svg);
    assert.equal(svg.match(/<g class="lane"/g)?.length, 2);
    assert.equal(svg.match(/<path class="acked"/g)?.length, 2);
    assert.ok(svg.includes(`stroke="${CLIENT_COLORS[0]}"`));
    assert.ok(svg.includes(`stroke="${CLIENT_COLORS[1]}"`));
    assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
    // The legend names both clients and the marks.
    for (const text of ['>ours<', '>theirs<', '>rejected writes<', '>Sentinel event<'])
      assert.ok(svg.includes(text), text);
  });

  test('the totals, the burst above the scale and the rejected / lost runs', () => {
    const svg = timelineSvg(sample());
    // ours: 17 buckets of 10 (30 minus 12 held, minus the burst) plus the burst of 140.
    assert.ok(svg.includes('310 acked'));
    assert.ok(svg.includes('300 acked'));
    assert.match(svg, /<text class="burst"[^>]*>▲ 140<\/text>/);
    // One rejected cell; the two neighbouring lost buckets are one cell of 10.
    assert.equal(svg.match(/<rect class="rejected"/g)?.length, 1);
    assert.equal(svg.match(/<rect class="lost"/g)?.length, 1);
    assert.match(svg, /<rect class="lost"[^>]*fill="#d62728"><title>10 lost from 1.3 s to 1.5 s<\/title>/);
    assert.ok(svg.includes(`fill="${REJECTED_COLOR}"`));
    assert.ok(svg.includes(`fill="${LOST_COLOR}"`));
    assert.ok(svg.includes('10 lost</tspan>'));
  });

  test('events are vertical lines at their time, with their label, colour and tooltip', () => {
    const data = sample();
    const svg = timelineSvg(data);
    const g = timelineGeometry(data);
    // 0 ms is a third of the way along -1 s .. 2 s; 500 ms half-way.
    const at = (fraction: number): number => Math.round(g.plotLeft + fraction * (g.plotRight - g.plotLeft)) + 0.5;
    assert.equal(eventLineX(svg, 0), at(1 / 3));
    assert.equal(eventLineX(svg, 500), at(1 / 2));
    assert.equal(g.x(500), g.plotLeft + (g.plotRight - g.plotLeft) / 2);
    assert.match(svg, /<g class="event action" data-ms="0">[\s\S]*?stroke="#000000"[\s\S]*?>SIGKILL 0 s<\/text>/);
    assert.match(
      svg,
      new RegExp(
        `<g class="event sentinel" data-ms="500">\\s*<title>mymaster a 1 b 2</title>[\\s\\S]*?stroke="${SENTINEL_EVENT_COLOR}"[^>]*stroke-dasharray`,
      ),
    );
    assert.ok(svg.includes('>+switch-master 500 ms</text>'));
    assert.notEqual(ACTION_COLOR, SENTINEL_EVENT_COLOR);
  });

  test('events outside the window are left out; close events get label rows of their own', () => {
    const data = sample();
    const near = timelineSvg({
      ...data,
      events: [
        { ms: -5000, label: 'early', kind: 'sentinel' },
        { ms: 2001, label: 'late', kind: 'action' },
        { ms: 100, label: '+sdown', kind: 'sentinel' },
        { ms: 110, label: '+odown', kind: 'sentinel' },
        { ms: 120, label: '+try-failover', kind: 'sentinel' },
      ],
    });
    const g = timelineGeometry(data);
    assert.doesNotMatch(near, /data-ms="-5000"|data-ms="2001"|>early |>late /);
    assert.equal(near.match(/<g class="event/g)?.length, 3);
    assert.equal(eventLineX(near, 100), Math.round(g.x(100)) + 0.5);
    const ys = ['+sdown', '+odown', '+try-failover'].map((label) => {
      const m = new RegExp(`<text x="[\\d.]+" y="([\\d.]+)"[^>]*>\\${label} `).exec(near);
      assert.ok(m, label);
      return Number(m[1]);
    });
    // Overlapping labels go one row further down each, in time order.
    assert.ok(ys[0]! < ys[1]! && ys[1]! < ys[2]!, `label rows out of order: ${ys.join(', ')}`);
    // Rows of labels make the picture taller than with one event.
    assert.ok(
      timelineGeometry({ ...data, events: [] }).height <
        timelineGeometry({
          ...data,
          events: [...data.events, { ms: 20, label: 'x', kind: 'sentinel' }, { ms: 40, label: 'y', kind: 'sentinel' }],
        }).height,
    );
  });

  test("a lane's totals, when given, are shown instead of the buckets' sums", () => {
    const data = sample();
    const svg = timelineSvg({
      ...data,
      clients: [{ ...data.clients[0]!, totals: { acked: 1234, rejected: 5, lost: 6 } }],
    });
    assert.ok(svg.includes('1234 acked'));
    assert.ok(svg.includes('>5 rejected</tspan>'));
    assert.ok(svg.includes('>6 lost</tspan>'));
    assert.ok(!svg.includes('310 acked'));
  });

  test('labels are escaped in text, tooltips and attributes', () => {
    const nasty = `a<b & "c" 'd'>`;
    const svg = timelineSvg({
      ...sample(),
      title: nasty,
      subtitle: nasty,
      clients: [{ label: nasty, acked: [1, 2], rejected: [0, 0], lost: [0, 0] }],
      events: [{ ms: 50, label: nasty, kind: 'sentinel', detail: nasty }],
    });
    assertBalanced(svg);
    assert.ok(!svg.includes(nasty));
    assert.ok(svg.includes('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;'));
    assert.ok(svg.includes('data-client="a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"'));
  });

  test('no clients, no events: an axis and "no data", no NaN', () => {
    const data: TimelineData = { title: 'empty', startMs: 0, bucketMs: 100, clients: [], events: [] };
    const svg = timelineSvg(data);
    assertBalanced(svg);
    assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
    assert.ok(svg.includes('>no data<'));
    assert.equal(svg.match(/<g class="lane"/g), null);
    const g = timelineGeometry(data);
    assert.ok(g.height > 0 && g.endMs > g.startMs);
  });

  test('all-zero counts and a zero bucket size: lanes at 0, no marks, no NaN', () => {
    const svg = timelineSvg({
      title: 'zeros',
      startMs: -300,
      bucketMs: 0,
      clients: [{ label: 'idle', acked: [0, 0, 0], rejected: [0, 0, 0], lost: [0, 0, 0] }],
      events: [{ ms: Number.NaN, label: 'never', kind: 'sentinel' }],
    });
    assertBalanced(svg);
    assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
    assert.equal(svg.match(/<path class="acked"/g)?.length, 1);
    assert.equal(svg.match(/<rect class="(rejected|lost)"/g), null);
    assert.equal(svg.match(/<g class="event/g), null);
    assert.ok(svg.includes('0 acked'));
  });
});

describe('bucketize', () => {
  test('counts per bucket from the start, dropping times outside', () => {
    assert.deepEqual(
      bucketize([-1001, -1000, -950, -901, -900, 0, 99.9, 1999, 2000], -1000, 100, 30).slice(0, 2),
      [3, 1],
    );
    const b = bucketize([-1001, -1000, 0, 99.9, 1999, 2000], -1000, 100, 30);
    assert.equal(b.length, 30);
    assert.equal(b[10], 2);
    assert.equal(b[29], 1);
    assert.equal(
      b.reduce((x, y) => x + y, 0),
      4,
    );
    assert.deepEqual(bucketize([1, 2], 0, 100, 0), []);
  });
});
