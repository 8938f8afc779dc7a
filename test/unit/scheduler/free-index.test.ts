import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FreeIndex } from '../../../src/scheduler/free-index.js';
import type { Resources } from '../../../src/scheduler/index.js';

// FreeIndex is internal to the scheduler (NodePool uses it), so the test imports its file.

const free = (cpuCores: number, memoryBytes = 0, diskBytes = 0): Resources => ({ cpuCores, memoryBytes, diskBytes });
const none: Resources = free(0);

/** Positions visitFrom hands over when take() says yes to all. */
function visited(index: FreeIndex, from: number, need: Resources, wanted = Number.POSITIVE_INFINITY): number[] {
  const seen: number[] = [];
  index.visitFrom(from, need, wanted, Number.POSITIVE_INFINITY, (p) => {
    seen.push(p);
    return true;
  });
  return seen;
}

test('free index visits positions in order from the start, wrapping past the end', () => {
  const index = new FreeIndex([free(1), free(1), free(1), free(1), free(1)]);
  assert.deepEqual(visited(index, 3, none), [3, 4, 0, 1, 2]);
  assert.deepEqual(visited(index, 0, none, 2), [0, 1]);
  assert.deepEqual(visited(index, 4, none, 3), [4, 0, 1]);
  // a start past the end is a place on the ring too: size is position 0 again
  assert.deepEqual(visited(index, 5, none, 2), [0, 1]);
  assert.deepEqual(visited(index, 7, none, 1), [2]);
});

test('free index skips positions short of any needed resource, and never visits a non-candidate', () => {
  const index = new FreeIndex([free(1, 8), free(4, 1), null, free(4, 8), free(0.5, 8)]);
  assert.deepEqual(visited(index, 0, free(2, 4)), [3]);
  assert.deepEqual(visited(index, 0, free(0, 4)), [0, 3, 4]);
  // a need of 0 skips nothing, yet a non-candidate (a down node) is still left out
  assert.deepEqual(visited(index, 0, none), [0, 1, 3, 4]);
  assert.deepEqual(visited(index, 0, free(8)), []);
});

test('free index follows set: a position that fills up is skipped, one that frees up is found', () => {
  const index = new FreeIndex([free(4), free(4), free(4)]);
  index.set(1, free(0.5));
  assert.deepEqual(visited(index, 0, free(1)), [0, 2]);
  index.set(1, free(2));
  index.set(2, null);
  assert.deepEqual(visited(index, 0, free(1)), [0, 1]);
  assert.throws(() => index.set(3, free(1)), RangeError);
});

test('free index does not skip a cpu fit lost to rounding (0.1 + 0.2 cores allocated of 1)', () => {
  const index = new FreeIndex([free(1 - (0.1 + 0.2))]); // 0.7 minus a rounding error
  assert.deepEqual(visited(index, 0, free(0.7)), [0]);
});

test('free index counts refusals and stops after maxRejections of them', () => {
  const index = new FreeIndex([free(1), free(1), free(1), free(1)]);
  const offered: number[] = [];
  const taken = index.visitFrom(0, none, 1, 2, (p) => {
    offered.push(p);
    return p === 3;
  });
  assert.equal(taken, 0);
  assert.deepEqual(offered, [0, 1, 2]); // the third refusal is one too many
  assert.equal(index.lastRejections, 3);
  assert.equal(
    index.visitFrom(0, none, 1, 3, (p) => p === 3),
    1,
  );
  assert.equal(index.lastRejections, 3);
});

test('free index counts a range whose maxima come from different nodes as a rejection', () => {
  // positions 2 and 3: one has the cpu, the other the memory; their range passes on its maxima,
  // but neither holds both, so the walk from 0 meets a dead end before it reaches 4
  const index = new FreeIndex([free(0, 0), free(0, 0), free(4, 1), free(1, 4), free(4, 4), free(0, 0)]);
  assert.equal(
    index.visitFrom(0, free(2, 2), 1, 0, () => true),
    0,
  );
  assert.equal(index.lastRejections, 1);
  const taken: number[] = [];
  assert.equal(
    index.visitFrom(0, free(2, 2), 1, 1, (p) => taken.push(p) > 0),
    1,
  );
  assert.deepEqual(taken, [4]);
});

test('free index of no positions visits nothing', () => {
  assert.deepEqual(visited(new FreeIndex([]), 0, none), []);
});

test('property: free index visits exactly the positions that hold the need, in ring order from the start', () => {
  const arbFree = fc.option(
    fc.record({
      cpuCores: fc.integer({ min: -2, max: 6 }),
      memoryBytes: fc.integer({ min: -2, max: 6 }),
      diskBytes: fc.integer({ min: -2, max: 6 }),
    }),
    { nil: null, freq: 5 },
  );
  const arbNeed = fc.record({
    cpuCores: fc.integer({ min: 0, max: 5 }),
    memoryBytes: fc.integer({ min: 0, max: 5 }),
    diskBytes: fc.integer({ min: 0, max: 5 }),
  });
  fc.assert(
    fc.property(fc.array(arbFree, { maxLength: 40 }), arbNeed, fc.nat(), (frees, need, start) => {
      const index = new FreeIndex(frees);
      const from = frees.length === 0 ? 0 : start % frees.length;
      const ring = frees.map((_, i) => (from + i) % frees.length);
      const fits = (f: Resources | null): boolean =>
        f !== null &&
        (need.cpuCores <= 0 || f.cpuCores >= need.cpuCores) &&
        (need.memoryBytes <= 0 || f.memoryBytes >= need.memoryBytes) &&
        (need.diskBytes <= 0 || f.diskBytes >= need.diskBytes);
      assert.deepEqual(
        visited(index, from, need),
        ring.filter((p) => fits(frees[p] ?? null)),
      );
    }),
    { numRuns: 300 },
  );
});
