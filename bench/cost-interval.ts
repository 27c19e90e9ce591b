// How sure a cost cell is: for one scenario of a results.json, the median of the per-round ratios
// variant / base (ops/s), a bootstrap 95% interval of that median (seeded: the same file prints the
// same interval), the interquartile range, and the median change in client CPU per op.
// Usage: node dist/bench/cost-interval.js <results.json> <scenario> <base client> <variant client>...
import { readFileSync } from 'node:fs';
import { medianInterval, quantile } from './stats.js';

interface Round {
  opsPerSec: number;
  cpuUsPerOp: number;
}
interface Results {
  meta: { node: string };
  results: Record<string, Record<string, { rounds: Round[] }>>;
}

const ascending = (a: number, b: number): number => a - b;

const [file, scenario, base, ...variants] = process.argv.slice(2);
if (file === undefined || scenario === undefined || base === undefined || variants.length === 0) {
  console.error('usage: cost-interval <results.json> <scenario> <base client> <variant client>...');
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
const cell = results.results[scenario];
const baseRounds = cell?.[base]?.rounds;
if (cell === undefined || baseRounds === undefined) throw new Error(`${file} has no ${scenario} / ${base}`);
const baseCpu = baseRounds.map((r) => r.cpuUsPerOp * 1000).toSorted(ascending);
console.log('| Node | variant / base | median ratio | 95% interval | IQR | CPU per op | base CPU per op |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const variant of variants) {
  const rounds = cell[variant]?.rounds;
  if (rounds === undefined || rounds.length !== baseRounds.length)
    throw new Error(`${file}: ${variant} has no rounds paired with ${base}`);
  const ratios = rounds.map((r, i) => r.opsPerSec / baseRounds[i]!.opsPerSec).toSorted(ascending);
  const cpu = rounds.map((r, i) => (r.cpuUsPerOp - baseRounds[i]!.cpuUsPerOp) * 1000).toSorted(ascending);
  const [low, high] = medianInterval(ratios);
  const cpuChange = quantile(cpu, 0.5);
  console.log(
    `| ${results.meta.node} | ${variant} / ${base} | ${quantile(ratios, 0.5).toFixed(3)}x | ${low.toFixed(3)}–${high.toFixed(3)} | ` +
      `${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)} | ${cpuChange >= 0 ? '+' : ''}${cpuChange.toFixed(0)} ns | ` +
      `${quantile(baseCpu, 0.5).toFixed(0)} ns |`,
  );
}
