import { detachText } from './cells';
import { createRng, type Rng } from '../random';

/** Running count/mean/variance/min/max (Welford), mergeable with Chan et al.'s parallel formula. */
export class RunningMoments {
  count = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;

  add(x: number): void {
    this.count++;
    const delta = x - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  merge(other: RunningMoments): void {
    if (other.count === 0) return;
    const total = this.count + other.count;
    const delta = other.mean - this.mean;
    this.mean += (delta * other.count) / total;
    this.m2 += other.m2 + (delta * delta * this.count * other.count) / total;
    this.count = total;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** Sample standard deviation (n − 1), as pandas' describe() reports it. */
  get std(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : 0;
  }
}

/**
 * Quantile sketch: a uniform reservoir sample (Algorithm R) of at most `capacity` values with a seeded RNG. Quantiles
 * are exact while count ≤ capacity; beyond it the rank error of a quantile q has standard deviation
 * sqrt(q(1−q)/capacity) (≈0.8% at the median for the default 4096), independent of the stream length. The same
 * sample feeds the KS test in drift detection. Memory: capacity × 8 bytes.
 */
export class ReservoirSample {
  seen = 0;
  private readonly values: Float64Array;
  private readonly rng: Rng;

  constructor(
    readonly capacity = 4096,
    seed = 1,
  ) {
    this.values = new Float64Array(capacity);
    this.rng = createRng(seed);
  }

  add(x: number): void {
    if (this.seen < this.capacity) {
      this.values[this.seen] = x;
    } else {
      const slot = this.rng.nextInt(this.seen + 1);
      if (slot < this.capacity) this.values[slot] = x;
    }
    this.seen++;
  }

  /** The sampled values (a copy). */
  sample(): Float64Array {
    return this.values.slice(0, Math.min(this.seen, this.capacity));
  }

  sorted(): Float64Array {
    return this.sample().sort();
  }

  /**
   * Merges another reservoir: slots are drawn without replacement from both samples, each item weighted by how many
   * stream values it stands for, so the result approximates a uniform sample of the union.
   */
  merge(other: ReservoirSample): void {
    const mine = this.sample();
    const theirs = other.sample();
    const total = this.seen + other.seen;
    const size = Math.min(this.capacity, mine.length + theirs.length);
    const weightMine = mine.length > 0 ? this.seen / mine.length : 0;
    const weightTheirs = theirs.length > 0 ? other.seen / theirs.length : 0;
    let i = 0;
    let j = 0;
    for (let slot = 0; slot < size; slot++) {
      const a = (mine.length - i) * weightMine;
      const b = (theirs.length - j) * weightTheirs;
      const fromMine = this.rng.next() * (a + b) < a;
      this.values[slot] = fromMine ? (mine[i++] as number) : (theirs[j++] as number);
    }
    this.seen = total;
  }
}

/** 32-bit string hash: FNV-1a followed by the murmur3 finaliser (FNV alone is too weak in the high bits for HLL). */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const HLL_BITS = 14;
const HLL_REGISTERS = 1 << HLL_BITS;

/**
 * Distinct count: exact (a Set) up to `exactLimit` values, then HyperLogLog with 2^14 registers (16 KB, ≈0.8%
 * standard error). Mergeable.
 */
export class DistinctCounter {
  private exact: Set<string> | null = new Set();
  private readonly registers = new Uint8Array(HLL_REGISTERS);

  constructor(private readonly exactLimit = 10_000) {}

  add(key: string): void {
    if (this.exact) {
      if (!this.exact.has(key)) this.exact.add(detachText(key));
      if (this.exact.size > this.exactLimit) this.spill();
      return;
    }
    this.addHash(hashString(key));
  }

  private spill(): void {
    for (const key of this.exact ?? []) this.addHash(hashString(key));
    this.exact = null;
  }

  private addHash(hash: number): void {
    const register = hash >>> (32 - HLL_BITS);
    const rest = (hash << HLL_BITS) >>> 0;
    const rank = rest === 0 ? 32 - HLL_BITS + 1 : Math.clz32(rest) + 1;
    if (rank > (this.registers[register] as number)) this.registers[register] = rank;
  }

  get isExact(): boolean {
    return this.exact !== null;
  }

  estimate(): number {
    if (this.exact) return this.exact.size;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const m = HLL_REGISTERS;
    const raw = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    // Linear counting is more accurate while many registers are still empty.
    return Math.round(raw <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : raw);
  }

  merge(other: DistinctCounter): void {
    if (this.exact && other.exact) {
      for (const key of other.exact) this.exact.add(key);
      if (this.exact.size > this.exactLimit) this.spill();
      return;
    }
    if (this.exact) this.spill();
    if (other.exact) for (const key of other.exact) this.addHash(hashString(key));
    else other.registers.forEach((r, i) => (this.registers[i] = Math.max(r, this.registers[i] as number)));
  }
}

/**
 * Frequent values (Misra–Gries) with at most `capacity` counters: counts are exact while a column has no more
 * distinct values than that; beyond it each count is low by at most n/(capacity+1). Amortised O(1) per value.
 */
export class FrequentValues {
  private readonly counts = new Map<string, number>();
  private total = 0;
  private decremented = 0;

  constructor(private readonly capacity = 1000) {}

  add(key: string): void {
    this.total++;
    const current = this.counts.get(key);
    if (current !== undefined) this.counts.set(key, current + 1);
    else if (this.counts.size < this.capacity) this.counts.set(detachText(key), 1);
    else this.decrementAll();
  }

  private decrementAll(): void {
    this.decremented++;
    for (const [key, count] of this.counts) {
      if (count <= 1) this.counts.delete(key);
      else this.counts.set(key, count - 1);
    }
  }

  get isExact(): boolean {
    return this.decremented === 0;
  }

  top(k: number): { value: string; count: number }[] {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, k)
      .map(([value, count]) => ({ value, count }));
  }

  /** Merge (Agarwal et al.): add counters, then subtract the (capacity+1)-th largest count and drop non-positive ones. */
  merge(other: FrequentValues): void {
    for (const [key, count] of other.counts) this.counts.set(key, (this.counts.get(key) ?? 0) + count);
    this.total += other.total;
    this.decremented += other.decremented;
    if (this.counts.size <= this.capacity) return;
    const cut = [...this.counts.values()].sort((a, b) => b - a)[this.capacity] as number;
    this.decremented++;
    for (const [key, count] of this.counts) {
      if (count - cut <= 0) this.counts.delete(key);
      else this.counts.set(key, count - cut);
    }
  }
}
