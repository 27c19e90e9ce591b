// How sure a median of a few rounds is: a bootstrap interval, seeded so a results file always prints the same one.

/** The value at fraction p of sorted values (the lower one between two). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.floor(p * (sorted.length - 1))]!;
}

/** A linear congruential generator: repeatable, which is all a report needs. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/**
 * A 95% interval of the median of values: the 2.5th and 97.5th percentiles of the medians of 4000
 * resamples with replacement. Fewer than 3 values say too little: NaN, NaN.
 */
export function medianInterval(values: readonly number[], resamples = 4000): [number, number] {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length < 3) return [NaN, NaN];
  const random = seededRandom(12345);
  const medians: number[] = [];
  const sample = v.slice(); // overwritten by each resample
  for (let k = 0; k < resamples; k++) {
    for (let i = 0; i < v.length; i++) sample[i] = v[Math.floor(random() * v.length)]!;
    sample.sort((a, b) => a - b);
    const mid = v.length >> 1;
    medians.push(v.length % 2 === 1 ? sample[mid]! : (sample[mid - 1]! + sample[mid]!) / 2);
  }
  medians.sort((a, b) => a - b);
  return [quantile(medians, 0.025), quantile(medians, 0.975)];
}
