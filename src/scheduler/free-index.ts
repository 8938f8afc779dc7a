import type { Resources } from './types.js';

/** Returned by FreeIndex.findFrom when no position can hold the request. */
export const NOT_FOUND = -1;
/** Returned by FreeIndex.findFrom when accept() said no more times than the search was allowed. */
export const GAVE_UP = -2;

/** Free amounts of a position that is not a candidate (a down node, or padding past the end). */
const NO_CANDIDATE = Number.NEGATIVE_INFINITY;

// The cpu filter lets a request exceed what is free by 1e-9 core (rounding of summed
// fractions); pruning allows more than that, so it never skips a node the filter would take.
const CPU_SLACK_CORES = 1e-6;

/**
 * A segment tree over positions 0..size-1 (NodePool's nodes, in id order) that keeps, for every
 * range, the most free cpu, memory and disk of any candidate in it. "The first position from p
 * whose node may hold this request" then skips whole ranges whose maxima fall short, so it
 * looks at O(log n) ranges instead of n nodes, and it hands each node that may fit to the
 * caller's accept(), which runs the real filters.
 *
 * The maxima are kept per resource, so a range can pass (the most cpu on one node, the most
 * memory on another) while none of its nodes holds both; accept() rejects those nodes, and
 * findFrom gives up after maxRejections of them, so one search costs at most
 * O((maxRejections + 1) · log n) whatever the cluster looks like.
 */
export class FreeIndex {
  readonly size: number;
  /** A power of two ≥ size; node 1 is the root and position p is node #leaves + p. */
  readonly #leaves: number;
  readonly #cpu: Float64Array;
  readonly #memory: Float64Array;
  readonly #disk: Float64Array;

  // One search's parameters, on the instance so the recursion allocates nothing.
  #needCpu = 0;
  #needMemory = 0;
  #needDisk = 0;
  #from = 0;
  #to = 0;
  #accept: (position: number) => boolean = () => false;
  #maxRejections = 0;
  #rejections = 0;

  /** `free[p]` is what position p has free, or null when it is not a candidate (a down node). */
  constructor(free: readonly (Readonly<Resources> | null)[]) {
    this.size = free.length;
    let leaves = 1;
    while (leaves < this.size) leaves *= 2;
    this.#leaves = leaves;
    this.#cpu = new Float64Array(2 * leaves).fill(NO_CANDIDATE);
    this.#memory = new Float64Array(2 * leaves).fill(NO_CANDIDATE);
    this.#disk = new Float64Array(2 * leaves).fill(NO_CANDIDATE);
    free.forEach((f, p) => this.#setLeaf(p, f));
    for (let v = leaves - 1; v >= 1; v--) this.#pull(v);
  }

  /** Records what position p has free now (null: not a candidate); O(log n). */
  set(position: number, free: Readonly<Resources> | null): void {
    if (!(position >= 0 && position < this.size)) throw new RangeError(`position ${position} outside 0..${this.size - 1}`);
    this.#setLeaf(position, free);
    for (let v = (this.#leaves + position) >> 1; v >= 1; v >>= 1) this.#pull(v);
  }

  /** How many nodes accept() turned down in the last findFrom. */
  get lastRejections(): number {
    return this.#rejections;
  }

  /**
   * The first position at or after `from`, wrapping past the end to 0, that may hold `need` and
   * that accept() takes; NOT_FOUND when none does, GAVE_UP when accept() said no more than
   * maxRejections times. A need of 0 or less on a resource skips nothing on that resource.
   */
  findFrom(from: number, need: Readonly<Resources>, accept: (position: number) => boolean, maxRejections: number): number {
    this.#rejections = 0;
    if (this.size === 0) return NOT_FOUND;
    this.#needCpu = need.cpuCores;
    this.#needMemory = need.memoryBytes;
    this.#needDisk = need.diskBytes;
    this.#accept = accept;
    this.#maxRejections = maxRejections;
    const start = Math.min(Math.max(0, Math.trunc(from)), this.size - 1);
    const found = this.#range(start, this.size);
    return found !== NOT_FOUND || start === 0 ? found : this.#range(0, start);
  }

  #range(from: number, to: number): number {
    this.#from = from;
    this.#to = to;
    return this.#first(1, 0, this.#leaves);
  }

  /** The first accepted position in node v's range [lo, hi) ∩ [from, to). */
  #first(v: number, lo: number, hi: number): number {
    if (hi <= this.#from || lo >= this.#to || !this.#mayFit(v)) return NOT_FOUND;
    if (hi - lo === 1) {
      if (this.#accept(lo)) return lo;
      this.#rejections += 1;
      return this.#rejections > this.#maxRejections ? GAVE_UP : NOT_FOUND;
    }
    const mid = (lo + hi) >>> 1;
    const left = this.#first(2 * v, lo, mid);
    return left !== NOT_FOUND ? left : this.#first(2 * v + 1, mid, hi);
  }

  #mayFit(v: number): boolean {
    const cpu = this.#cpu[v] ?? NO_CANDIDATE;
    if (cpu === NO_CANDIDATE) return false;
    if (this.#needCpu > 0 && cpu + CPU_SLACK_CORES < this.#needCpu) return false;
    if (this.#needMemory > 0 && (this.#memory[v] ?? NO_CANDIDATE) < this.#needMemory) return false;
    if (this.#needDisk > 0 && (this.#disk[v] ?? NO_CANDIDATE) < this.#needDisk) return false;
    return true;
  }

  #setLeaf(position: number, free: Readonly<Resources> | null): void {
    const leaf = this.#leaves + position;
    this.#cpu[leaf] = free === null ? NO_CANDIDATE : prunable(free.cpuCores);
    this.#memory[leaf] = free === null ? NO_CANDIDATE : prunable(free.memoryBytes);
    this.#disk[leaf] = free === null ? NO_CANDIDATE : prunable(free.diskBytes);
  }

  #pull(v: number): void {
    this.#cpu[v] = Math.max(this.#cpu[2 * v] ?? NO_CANDIDATE, this.#cpu[2 * v + 1] ?? NO_CANDIDATE);
    this.#memory[v] = Math.max(this.#memory[2 * v] ?? NO_CANDIDATE, this.#memory[2 * v + 1] ?? NO_CANDIDATE);
    this.#disk[v] = Math.max(this.#disk[2 * v] ?? NO_CANDIDATE, this.#disk[2 * v + 1] ?? NO_CANDIDATE);
  }
}

/**
 * A garbage amount from a heartbeat (NaN) must not hide a node the filters would take, nor
 * poison its ancestors' maxima (Math.max with NaN is NaN): it counts as unlimited, so the
 * node always reaches the filters, which decide.
 */
function prunable(amount: number): number {
  return Number.isNaN(amount) ? Number.POSITIVE_INFINITY : amount;
}
