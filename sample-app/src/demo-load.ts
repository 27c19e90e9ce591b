import { print } from './demo-print.js';

// The demo's request loop: one sequential loop per route, each paced, counted per second and in total.

const REQUEST_TIMEOUT_MS = 15_000;
/** ms between the starts of two requests of one route (~20 per second per route). */
const PACE_MS = 50;
/** Keys GET /cached cycles through: after the first round every key is cached (TTL 60 s). */
const CACHED_KEYS = 10;

export interface RouteStats {
  requests: number;
  ok: number;
  failed: number;
  maxMs: number;
  /** /cached: hits and misses; misses after the first round (warm-up) are what the failover cost. */
  hits: number;
  misses: number;
  missesAfterWarmup: number;
  /** /limited: answered 429 by the throttler (a designed answer, not a failure). */
  throttled: number;
  /** 503 for a write in flight when the master was killed (`mayHaveBeenApplied`): designed under SIGKILL. */
  inDoubt: number;
}

export interface Route {
  label: string;
  method: 'GET' | 'POST';
  /** The path of the i-th request. */
  path: (i: number) => string;
  /** Checks a 2xx body; returns a problem, or undefined when it is right. */
  check?: (body: any, i: number) => string | undefined;
  /** Counts what the body says (cache hit...). */
  count?: (body: any, i: number, stats: RouteStats) => void;
  /** A non-2xx status that is a designed answer. */
  designed?: number;
}

export const ROUTES: Route[] = [
  { label: 'POST /counter/incr', method: 'POST', path: () => '/counter/incr' },
  { label: 'GET /counter', method: 'GET', path: () => '/counter' },
  {
    label: 'GET /cached/:key',
    method: 'GET',
    path: (i) => `/cached/k${i % CACHED_KEYS}`,
    count: (body: { cached: boolean }, i, s) => {
      if (body.cached) s.hits++;
      else {
        s.misses++;
        if (i >= CACHED_KEYS) s.missesAfterWarmup++;
      }
    },
  },
  { label: 'GET /limited', method: 'GET', path: () => '/limited', designed: 429 },
  {
    label: 'GET /sum',
    method: 'GET',
    path: (i) => `/sum?values=${i},1,2`,
    check: (body: { sum: number }, i) => (body.sum === i + 3 ? undefined : `wrong sum ${JSON.stringify(body)}`),
  },
];

function emptyStats(): RouteStats {
  return {
    requests: 0,
    ok: 0,
    failed: 0,
    maxMs: 0,
    hits: 0,
    misses: 0,
    missesAfterWarmup: 0,
    throttled: 0,
    inDoubt: 0,
  };
}

export interface LoadResult {
  total: Map<Route, RouteStats>;
  /** Increments the app acknowledged (200 to POST /counter/incr). */
  increments: number;
  /** Failures that are not designed, as printed. */
  failures: string[];
}

interface Outcome {
  /** What went wrong, when it is not designed; undefined otherwise. */
  problem?: string;
  /** A write in doubt (designed when `inDoubtDesigned`), as printed. */
  inDoubt?: string;
}

async function request(
  url: string,
  route: Route,
  i: number,
  s: RouteStats[],
  inDoubtDesigned: boolean,
): Promise<Outcome> {
  const t0 = Date.now();
  let problem: string | undefined;
  let inDoubt = false;
  let status = 0;
  let body: unknown;
  try {
    const response = await fetch(url + route.path(i), {
      method: route.method,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = response.status;
    const text = await response.text();
    body = text.startsWith('{') ? JSON.parse(text) : text;
    if (response.ok) problem = route.check?.(body, i);
    else if (inDoubtDesigned && status === 503 && (body as { mayHaveBeenApplied?: boolean }).mayHaveBeenApplied)
      inDoubt = true;
    else if (status !== route.designed) problem = `${status} ${text}`;
  } catch (err) {
    problem = (err as Error).message;
  }
  const ms = Date.now() - t0;
  for (const stats of s) {
    stats.requests++;
    stats.maxMs = Math.max(stats.maxMs, ms);
    if (problem !== undefined) stats.failed++;
    else if (inDoubt) stats.inDoubt++;
    else if (status === route.designed) stats.throttled++;
    else {
      stats.ok++;
      route.count?.(body, i, stats);
    }
  }
  const what = `${route.method} ${route.path(i)} ->`;
  if (problem !== undefined) return { problem: `${what} ${problem} (${ms} ms)` };
  return inDoubt
    ? { inDoubt: `${what} 503 ${(body as { error: string }).error}, may have been applied (${ms} ms)` }
    : {};
}

function secondLine(route: Route, s: RouteStats): string {
  const name = route.label.replace(/^(GET|POST) \//, '').replace('/:key', '');
  let text = `${name} ${s.ok} ok`;
  if (route.count !== undefined) text += ` (${s.hits} hits)`;
  if (route.designed !== undefined) text += ` ${s.throttled} throttled`;
  if (s.inDoubt > 0) text += ` ${s.inDoubt} in doubt`;
  if (s.failed > 0) text += ` ${s.failed} FAILED`;
  return `${text} ${s.maxMs}ms`;
}

/**
 * Runs every route's loop until `signal` aborts; prints a line per second and every failure.
 * `inDoubtDesigned`: a write in flight when the master died (SIGKILL) is answered 503 "may have been
 * applied", as designed: the client cannot know and must not retry a write blindly.
 */
export async function runLoad(url: string, signal: AbortSignal, inDoubtDesigned: boolean): Promise<LoadResult> {
  const total = new Map(ROUTES.map((r) => [r, emptyStats()] as const));
  let second = new Map(ROUTES.map((r) => [r, emptyStats()] as const));
  const failures: string[] = [];
  let increments = 0;
  const flush = (): void => {
    print('requests', ROUTES.map((r) => secondLine(r, second.get(r)!)).join(' | '));
    second = new Map(ROUTES.map((r) => [r, emptyStats()] as const));
  };
  const ticker = setInterval(flush, 1000);
  const loop = async (route: Route): Promise<void> => {
    for (let i = 0; !signal.aborted; i++) {
      const t0 = Date.now();
      const okBefore = total.get(route)!.ok;
      const outcome = await request(url, route, i, [second.get(route)!, total.get(route)!], inDoubtDesigned);
      if (outcome.problem !== undefined) {
        failures.push(outcome.problem);
        print('requests', `FAILED ${outcome.problem}`);
      }
      if (outcome.inDoubt !== undefined) print('requests', `IN DOUBT ${outcome.inDoubt}`);
      if (route === ROUTES[0] && total.get(route)!.ok > okBefore) increments++;
      const wait = PACE_MS - (Date.now() - t0);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  try {
    await Promise.all(ROUTES.map(loop));
  } finally {
    clearInterval(ticker);
    flush();
  }
  return { total, increments, failures };
}

/** The per-route table of the final summary. */
export function summaryLines(result: LoadResult): string[] {
  const lines = [
    `  ${'route'.padEnd(20)} ${'requests'.padStart(8)} ${'ok'.padStart(6)} ${'doubt'.padStart(6)} ${'failed'.padStart(6)}`,
  ];
  for (const [route, s] of result.total) {
    let notes = `slowest ${s.maxMs} ms`;
    if (route.count !== undefined)
      notes = `hits ${s.hits}, misses ${s.misses} (after warm-up: ${s.missesAfterWarmup}), ${notes}`;
    if (route.designed !== undefined) notes = `allowed ${s.ok}, ${route.designed} ${s.throttled}, ${notes}`;
    if (route.label === 'GET /sum') notes = `answered ${s.ok}, max latency ${s.maxMs} ms`;
    lines.push(
      `  ${route.label.padEnd(20)} ${String(s.requests).padStart(8)} ${String(s.ok + s.throttled).padStart(6)} ${String(s.inDoubt).padStart(6)} ${String(s.failed).padStart(6)}  ${notes}`,
    );
  }
  return lines;
}
