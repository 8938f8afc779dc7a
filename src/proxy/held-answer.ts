// An answer to a request that could still go to another replica (idempotent, no body), kept back
// while its body comes in: if the replica dies between its head and the end of its body (a kill -9
// mid-answer), nothing has reached the client yet and the request is sent again elsewhere. Held
// only while small and brief: past HOLD_MAX_BYTES, or from the pool's first sweep after
// HOLD_MS, the answer goes on as it comes (a long download, a stream of events).

/** Bytes of an answer kept back at most; larger answers are passed on as they come. */
export const HOLD_MAX_BYTES = 64 * 1024;
/** How long an answer whose body is slow to end is kept back at most (checked by the pool's sweep). */
export const HOLD_MS = 50;

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
