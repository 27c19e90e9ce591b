/** The next pause of a doubling back-off: `first` after none (0), then twice the last, at most `max` (ms). */
export function nextDelay(last: number, first: number, max: number): number {
  return Math.min(max, last === 0 ? first : last * 2);
}
