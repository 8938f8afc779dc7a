import type { TaskRequest } from '../task/index.js';
import { NodePool } from './node-pool.js';
import type { RandomSource } from './seeded-random.js';
import { select } from './select.js';
import type { Explanation, Filter, NodeView, Placement, Scorer } from './types.js';

/** How many feasible nodes a placement scores (power of k choices). */
export const DEFAULT_SAMPLE_SIZE = 16;
/**
 * How many random places in the id order the sample starts from; each gives sampleSize / probes consecutive feasible
 * nodes.
 */
export const DEFAULT_PROBES = 2;
/**
 * How many nodes per placement may pass the index but fail a filter (or be dead ends in it) before the full scan takes
 * over.
 */
export const DEFAULT_MAX_REJECTIONS = 64;

export interface SampleOptions {
  /** Feasible nodes to score per placement; a cluster this small or smaller is scanned in full. */
  readonly sampleSize: number;
  /** Random starting places; default DEFAULT_PROBES (at most sampleSize). */
  readonly probes?: number;
  /** Where the probes land; the only source of chance in a decision. */
  readonly random: RandomSource;
  /** Default DEFAULT_MAX_REJECTIONS. */
  readonly maxRejections?: number;
}

/**
 * select's fast path over a NodePool: the same filters and scorer, at O(k log n) per
 * placement instead of O(n).
 *
 * - A scorer that takes turns in id order (it has rotationCursor: round-robin) gets exactly
 *   select's choice and score: the first feasible node after its cursor, found through the
 *   index.
 * - Any other scorer ranks a sample, as Nomad limits the nodes it ranks and Sparrow probes a
 *   few workers: `probes` random places in the id order, and from each the next
 *   sampleSize / probes feasible nodes (wrapping); the highest score wins, equal scores to the
 *   smaller id. With E-PVM that is the power of k choices: the best of 16 random nodes is on
 *   average among the least loaded 6% (1/17), while a full scan pays for every node to find the
 *   very least loaded one. Runs of neighbours rather than 16 lone probes: the pool keeps neighbours
 *   together in memory, so once the nodes outgrow the cpu's cache (about 10,000 of them) a
 *   sample costs 2 cold runs instead of 16 cold nodes; ids say nothing about load, so the spread
 *   measured the same for 2 × 8, 4 × 4 and 16 × 1, and worse for 1 × 16 (bench/README.md,
 *   `schedule`). A node just after a run of full ones is "next" from more places, so it is
 *   sampled a little more often; E-PVM corrects for that, since its cost rises as it fills.
 * - When no node passes, or too many pass the index but fail a filter (ports, or a node that
 *   has the cpu but not the memory), select decides over every node, so an unplaceable task gets
 *   the same Explanation word for word, and a hard case the same exact answer.
 * A cluster of at most sampleSize nodes is always scanned in full: exact, and as cheap.
 *
 * Pure apart from the scorer's placed() and the random source; the pool is not changed
 * (whoever records the placement reserves the task).
 */
export function sampleSelect(
  task: TaskRequest,
  pool: NodePool,
  filters: readonly Filter[],
  scorer: Scorer,
  options: SampleOptions,
): Placement {
  const c = sampleChoice(task, pool, filters, scorer, options);
  return c.ok ? { ok: true, nodeId: c.node.id, score: c.score } : c;
}

/** sampleSelect's decision with the chosen node itself. */
export type Choice = { ok: true; node: NodeView; score: number } | { ok: false; explanation: Explanation };

/** sampleSelect, returning the pool's node rather than its id. */
export function sampleChoice(
  task: TaskRequest,
  pool: NodePool,
  filters: readonly Filter[],
  scorer: Scorer,
  options: SampleOptions,
): Choice {
  const nodes = pool.views();
  if (nodes.length <= options.sampleSize || !NodePool.servesFilters(filters))
    return fullScan(task, pool, filters, scorer);
  let rejectionsLeft = options.maxRejections ?? DEFAULT_MAX_REJECTIONS;

  if (scorer.rotationCursor !== undefined) {
    const after = pool.positionAfter(scorer.rotationCursor());
    const found = pool.findFeasible(task, filters, after, rejectionsLeft);
    if (typeof found === 'string') return fullScan(task, pool, filters, scorer);
    // the rotation contract: 1 after the cursor, 0 once the search wrapped past the last id
    return chosen(task, scorer, found, (pool.positionOf(found) ?? -1) >= after ? 1 : 0);
  }

  let best: NodeView | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  const consider = (node: NodeView): void => {
    // the same node can come up from two probes; scoring it again changes nothing
    if (node === best) return;
    const score = scorer.score(task, node);
    if (best === undefined || score > bestScore || (score === bestScore && node.id < best.id)) {
      best = node;
      bestScore = score;
    }
  };
  const probes = Math.max(1, Math.min(options.probes ?? DEFAULT_PROBES, options.sampleSize));
  const perProbe = Math.ceil(options.sampleSize / probes);
  for (let i = 0; i < probes; i++) {
    const visit = pool.visitFeasible(
      task,
      filters,
      Math.floor(options.random() * nodes.length),
      perProbe,
      rejectionsLeft,
      consider,
    );
    rejectionsLeft -= visit.rejected;
    // Fewer than asked without giving up: the probe went round the whole ring, so another would
    // find the same nodes (or, with none, no node passes). Out of budget: keep what the sample
    // has, or let the full scan decide when it has nothing.
    if (visit.gaveUp || visit.found < perProbe) break;
  }
  return best === undefined ? fullScan(task, pool, filters, scorer) : chosen(task, scorer, best, bestScore);
}

/** select over every node of the pool, as a Choice. */
function fullScan(task: TaskRequest, pool: NodePool, filters: readonly Filter[], scorer: Scorer): Choice {
  const p = select(task, pool.views(), filters, scorer);
  if (!p.ok) return p;
  const node = pool.get(p.nodeId);
  // select only returns ids of the nodes it was given
  if (node === undefined) throw new Error(`select chose ${p.nodeId}, which is not in the pool`);
  return { ok: true, node, score: p.score };
}

function chosen(task: TaskRequest, scorer: Scorer, node: NodeView, score: number): Choice {
  scorer.placed?.(task, node);
  return { ok: true, node, score };
}
