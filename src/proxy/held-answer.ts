import type { ResponseHead } from './http-head.js';

// An answer to a request that could still go to another replica (idempotent, no body), kept back
// while its body comes in: if the replica dies between its head and the end of its body (a kill -9
// mid-answer), nothing has reached the client yet and the request is sent again elsewhere. Held
// only while small and brief: past HOLD_MAX_BYTES, or from the pool's first sweep after holdMs(),
// the answer goes on as it comes (a long download, a stream of events).

/** Bytes of an answer kept back at most; larger answers are passed on as they come. */
export const HOLD_MAX_BYTES = 64 * 1024;
/** How long an answer whose body is slow to end is kept back at most (checked by the pool's sweep). */
export const HOLD_MS = 50;
/**
 * How long an answer whose length is known and small enough to hold whole is kept back at most.
 * Its length says it is no stream, and on a loaded host a replica can stall longer than HOLD_MS
 * between its head and its body: a kill -9 then would cut an answer already on its way.
 */
export const HOLD_KNOWN_MS = 1_000;

/** How long this answer may be kept back: HOLD_KNOWN_MS when its length is known and small, else HOLD_MS. */
export function holdMs(resp: Pick<ResponseHead, 'framing' | 'length'>): number {
  return resp.framing === 'length' && resp.length < HOLD_MAX_BYTES ? HOLD_KNOWN_MS : HOLD_MS;
}

export class HeldAnswer {
  readonly #parts: Buffer[];
  #bytes: number;

  /** `first` is the head as sent on, with the body bytes that came with it (the caller's own copy). */
  constructor(first: Buffer) {
    this.#parts = [first];
    this.#bytes = first.length;
  }

  /** Keeps a copy of `chunk` (a read buffer that is read into again). */
  add(chunk: Buffer): void {
    this.#parts.push(Buffer.from(chunk));
    this.#bytes += chunk.length;
  }

  get full(): boolean {
    return this.#bytes >= HOLD_MAX_BYTES;
  }

  /** Everything held, as one buffer: one write. */
  bytes(): Buffer {
    return this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#bytes);
  }
}
