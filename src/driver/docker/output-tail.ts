/**
 * The last `maxBytes` of a stream of Docker's multiplexed frames (8-byte header: stream type, 3
 * zero bytes, big-endian payload length), as text: what an exec health check printed, however
 * much that was. Payloads are kept as they arrive, never a whole frame at once, and the oldest
 * bytes are dropped once more than `maxBytes` are held, so a check that prints gigabytes costs
 * the worker `maxBytes`.
 */
export class OutputTail {
  readonly #chunks: Buffer[] = [];
  #held = 0;
  #header = Buffer.alloc(0);
  /** Payload bytes still to come in the current frame. */
  #left = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#left === 0) {
        const need = 8 - this.#header.length;
        this.#header = Buffer.concat([this.#header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (this.#header.length < 8) return;
        this.#left = this.#header.readUInt32BE(4);
        this.#header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.#left, chunk.length - at);
      this.#keep(chunk.subarray(at, at + take));
      this.#left -= take;
      at += take;
    }
  }

  /** What was kept, as UTF-8 (a character cut at the start shows as U+FFFD). */
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }

  #keep(payload: Buffer): void {
    if (payload.length === 0) return;
    // a copy: the engine's buffer is not held for a few bytes of it
    this.#chunks.push(Buffer.from(payload.subarray(Math.max(0, payload.length - this.maxBytes))));
    this.#held += Math.min(payload.length, this.maxBytes);
    while (this.#held > this.maxBytes) {
      const first = this.#chunks[0] as Buffer;
      const over = this.#held - this.maxBytes;
      if (first.length <= over) {
        this.#chunks.shift();
        this.#held -= first.length;
      } else {
        this.#chunks[0] = first.subarray(over);
        this.#held -= over;
      }
    }
  }
}
