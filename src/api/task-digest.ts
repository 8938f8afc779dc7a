import { Type, type Static } from '@sinclair/typebox';

/**
 * A short summary of the set of active tasks a worker holds, each as (task id, generation): how
 * many, and a 64-bit hash (16 hex digits) that does not depend on their order. A worker sends it
 * with a heartbeat instead of every task; the manager keeps the same summary of what it placed on
 * that worker, and asks for the full list only when the two disagree. Equal digests mean equal
 * sets with overwhelming likelihood; a false match is caught by the reports and the redispatch
 * rule, as a lost heartbeat would be.
 */
export const TaskDigest = Type.Object(
  {
    count: Type.Integer({ minimum: 0 }),
    hash: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  },
  { additionalProperties: false },
);
export type TaskDigest = Static<typeof TaskDigest>;

/** Order-independent: each task's hash is XORed in when it is added and out when it is removed. */
export class TaskDigestBuilder {
  #count = 0;
  #hi = 0;
  #lo = 0;

  add(taskId: string, generation: number): void {
    this.#toggle(taskId, generation);
    this.#count += 1;
  }

  remove(taskId: string, generation: number): void {
    this.#toggle(taskId, generation);
    this.#count -= 1;
  }

  get value(): TaskDigest {
    return { count: this.#count, hash: hex8(this.#hi) + hex8(this.#lo) };
  }

  #toggle(taskId: string, generation: number): void {
    const key = `${taskId}/${generation}`;
    this.#hi = (this.#hi ^ fmix32(fnv1a(key, 0x811c9dc5))) >>> 0;
    this.#lo = (this.#lo ^ fmix32(fnv1a(key, 0x050c5d1f) ^ 0x9e3779b9)) >>> 0;
  }
}

/** The digest of a list of (task id, generation). */
export function digestOf(tasks: Iterable<{ taskId: string; generation: number }>): TaskDigest {
  const b = new TaskDigestBuilder();
  for (const t of tasks) b.add(t.taskId, t.generation);
  return b.value;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, from `seed`. */
function fnv1a(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finalizer: spreads every input bit over the output, so the two halves differ. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
