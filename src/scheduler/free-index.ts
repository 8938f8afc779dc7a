import type { Resources } from './types.js';

/** What #nextFit returns when no position in the range can hold the request. */
const NOT_FOUND = -1;
/** Free amounts of a position that is not a candidate (a down node, or padding past the end). */
const NO_CANDIDATE = Number.NEGATIVE_INFINITY;
/** Slots per tree node: cpu, memory, disk, and one unused so two siblings fill one 64-byte line. */
const STRIDE = 4;

// The cpu filter lets a request exceed what is free by 1e-9 core (rounding of summed
// fractions); pruning allows more than that, so it never skips a node the filter would take.
const CPU_SLACK_CORES = 1e-6;

/**
 * A segment tree over positions 0..size-1 (NodePool's nodes, in id order) that keeps, for every
 * range, the most free cpu, memory and disk of any candidate in it. "The next positions from p
 * whose nodes may hold this request" then skips whole ranges whose maxima fall short, and it
 * hands each node that may fit to the caller's take(), which runs the real filters.
 *
 * The search starts at p's leaf and climbs only as far as it must to get past a run that cannot
 * fit: when most nodes fit, the answer is p or its neighbour, O(1); a long run of full nodes
 * costs O(log n) to jump. A change climbs only while it changes an ancestor's maxima.
 *
 * The maxima are kept per resource, so a range can pass (the most cpu on one node, the most
 * memory on another) while none of its nodes holds both. Such a dead end, like a node take()
 * turns down, counts as a rejection, and the visit stops after maxRejections of them, so one
 * visit costs at most O((wanted + maxRejections) · log n) whatever the cluster looks like.
 */
export class FreeIndex {
  readonly size: number;
  /** A power of two ≥ size; node 1 is the root and position p is node #leaves + p. */
  readonly #leaves: number;
  /** log2(#leaves): the depth of the leaves below the root. */
  readonly #depth: number;
  /**
   * Node v's most free cpu, memory and disk at [STRIDE·v, STRIDE·v + 2]. One array rather than
   * three: a node's three maxima and its sibling's share a cache line, so a step in the tree
   * costs one line instead of up to six once the tree outgrows the cpu's cache.
   */
  readonly #max: Float64Array;

  // One visit's parameters, on the instance so a visit allocates nothing.
  #needCpu = 0;
  #needMemory = 0;
  #needDisk = 0;
  #take: (position: number) => boolean = () => false;
  #wanted = 0;
  #taken = 0;
  #maxRejections = 0;
  #rejections = 0;

  /** `free[p]` is what position p has free, or null when it is not a candidate (a down node). */
  constructor(free: readonly (Readonly<Resources> | null)[]) {
    this.size = free.length;
    let leaves = 1;
    while (leaves < this.size) leaves *= 2;
    this.#leaves = leaves;
    this.#depth = Math.log2(leaves);
    this.#max = new Float64Array(STRIDE * 2 * leaves).fill(NO_CANDIDATE);
    free.forEach((f, p) => this.#setLeaf(p, f));
    for (let v = leaves - 1; v >= 1; v--) this.#pull(v);
  }

  /**
   * Records what position p has free now (null: not a candidate); O(log n), and O(1) when its range's maxima stay put.
   */
  set(position: number, free: Readonly<Resources> | null): void {
    if (!(position >= 0 && position < this.size))
      throw new RangeError(`position ${position} outside 0..${this.size - 1}`);
    this.#setLeaf(position, free);
    for (let v = (this.#leaves + position) >> 1; v >= 1 && this.#pull(v); v >>= 1);
  }

  /**
   * Rejections in the last visit (nodes take() turned down, and dead ends); more than its maxRejections means it gave
   * up.
   */
  get lastRejections(): number {
    return this.#rejections;
  }

  /**
   * Hands take() the positions that may hold `need`, in order from `from` (modulo size),
   * wrapping past the end to 0, until take() has said yes `wanted` times, or the rejections pass
   * maxRejections, or the ring is done. Returns how many it took. A need of 0 or less on a
   * resource skips nothing on that resource.
   */
  visitFrom(
    from: number,
    need: Readonly<Resources>,
    wanted: number,
    maxRejections: number,
    take: (position: number) => boolean,
  ): number {
    this.#taken = 0;
    this.#rejections = 0;
    if (this.size === 0 || wanted <= 0) return 0;
    this.#needCpu = need.cpuCores;
    this.#needMemory = need.memoryBytes;
    this.#needDisk = need.diskBytes;
    this.#take = take;
    this.#wanted = wanted;
    this.#maxRejections = maxRejections;
    // `from` is a place on the ring: size is position 0 again (round-robin's cursor past the last id)
    const start = ((Math.trunc(from) % this.size) + this.size) % this.size;
    if (!this.#visitRange(start, this.size) && start > 0) this.#visitRange(0, start);
    return this.#taken;
  }

  /** Visits [from, to) in order; true when the visit is over (enough taken, or too many rejections). */
  #visitRange(from: number, to: number): boolean {
    for (let p = this.#nextFit(from, to); p !== NOT_FOUND; p = this.#nextFit(p + 1, to)) {
      if (this.#take(p)) {
        this.#taken += 1;
        if (this.#taken >= this.#wanted) return true;
      } else if (this.#reject()) {
        return true;
      }
    }
    return this.#rejections > this.#maxRejections;
  }

  /**
   * The first position in [p, to) whose leaf may hold the need, or NOT_FOUND (also when the rejection budget runs out).
   */
  #nextFit(p: number, to: number): number {
    if (p >= to) return NOT_FOUND;
    let v = this.#leaves + p;
    for (;;) {
      if (this.#mayFit(v)) {
        // down to the leftmost leaf that may fit
        while (v < this.#leaves) {
          const left = 2 * v;
          if (this.#mayFit(left)) v = left;
          else if (this.#mayFit(left + 1)) v = left + 1;
          else break;
        }
        if (v >= this.#leaves) {
          const position = v - this.#leaves;
          return position < to ? position : NOT_FOUND;
        }
        // neither child fits: the range's maxima came from different nodes
        if (this.#reject()) return NOT_FOUND;
      }
      // on to the next range to the right: up while v is a right child, then its right sibling
      while ((v & 1) === 1) v >>= 1;
      if (v === 0) return NOT_FOUND; // climbed past the root: nothing to the right
      v += 1;
      if (this.#firstPosition(v) >= to) return NOT_FOUND;
    }
  }

  /** Counts a rejection; true when that is one more than the visit allows. */
  #reject(): boolean {
    this.#rejections += 1;
    return this.#rejections > this.#maxRejections;
  }

  /** The leftmost position under node v. */
  #firstPosition(v: number): number {
    const level = 31 - Math.clz32(v);
    return v * 2 ** (this.#depth - level) - this.#leaves;
  }

  #mayFit(v: number): boolean {
    const max = this.#max;
    const at = STRIDE * v;
    const cpu = max[at] ?? NO_CANDIDATE;
    if (cpu === NO_CANDIDATE) return false;
    if (this.#needCpu > 0 && cpu + CPU_SLACK_CORES < this.#needCpu) return false;
    if (this.#needMemory > 0 && (max[at + 1] ?? NO_CANDIDATE) < this.#needMemory) return false;
    if (this.#needDisk > 0 && (max[at + 2] ?? NO_CANDIDATE) < this.#needDisk) return false;
    return true;
  }

  #setLeaf(position: number, free: Readonly<Resources> | null): void {
    const at = STRIDE * (this.#leaves + position);
    this.#max[at] = free === null ? NO_CANDIDATE : prunable(free.cpuCores);
    this.#max[at + 1] = free === null ? NO_CANDIDATE : prunable(free.memoryBytes);
    this.#max[at + 2] = free === null ? NO_CANDIDATE : prunable(free.diskBytes);
  }

  /** Recomputes node v's maxima from its children; true when any of them changed. */
  #pull(v: number): boolean {
    const max = this.#max;
    const at = STRIDE * v;
    const left = 2 * at; // STRIDE · 2v
    const right = left + STRIDE;
    let changed = false;
    for (let r = 0; r < 3; r++) {
      const m = Math.max(max[left + r] ?? NO_CANDIDATE, max[right + r] ?? NO_CANDIDATE);
      if (m !== max[at + r]) {
        max[at + r] = m;
        changed = true;
      }
    }
    return changed;
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
