// Durations as Go writes them (time.ParseDuration), because Kubernetes users write annotation
// values such as "500ms" or "1m30s" the way every Go-based controller reads them.

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

// Longer units before their prefixes ("ms" before "m") so the alternation takes the whole unit.
const term = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const whole = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;

/**
 * Milliseconds (possibly fractional or negative), or undefined when `text` is not a Go
 * duration. As in Go, a unit is required except for a bare "0", and "1h2m3.5s" sums its terms.
 */
export function parseGoDuration(text: string): number | undefined {
  if (/^[-+]?0$/.test(text)) return 0;
  if (!whole.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(term)) total += Number(amount) * unitMs[unit];
  return text.startsWith('-') ? -total : total;
}
