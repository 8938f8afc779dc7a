import type { Framing } from './http-head.js';

// Where a message body ends, in the bytes that pass through (the proxy forwards a body as it came,
// chunked or not; it only has to know where the next message starts). Chunk-size lines and
// trailers are checked byte by byte; chunk data is skipped by its size.

// the chunked reader's states
const Size = 0;
const Extension = 1;
const SizeLf = 2;
const Data = 3;
const DataCr = 4;
const DataLf = 5;
const TrailerStart = 6;
const Trailer = 7;
const TrailerLf = 8;
const EndLf = 9;
const Done = 10;

const CR = 13;
const LF = 10;
/** A chunk-size line or a trailer line longer than this is refused (as Node's parser refuses huge heads). */
const MAX_LINE = 4096;
/** 15 hex digits stay below 2^53. */
const MAX_SIZE_DIGITS = 15;

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  if (byte >= 97 && byte <= 102) return byte - 87;
  if (byte >= 65 && byte <= 70) return byte - 55;
  return -1;
}

/** Follows one message body; `reset` makes it ready for the next message. */
export class BodyFramer {
  #framing: Framing = 'none';
  #remaining = 0;
  #state = Done;
  #digits = 0;
  #line = 0;

  reset(framing: Framing, length: number): void {
    this.#framing = framing;
    this.#remaining = framing === 'length' ? length : 0;
    this.#state = framing === 'chunked' ? Size : framing === 'none' ? Done : Data;
    this.#digits = 0;
    this.#line = 0;
  }

  /** The body has ended (a close-delimited body ends only with its connection). */
  get done(): boolean {
    return this.#state === Done;
  }

  get framing(): Framing {
    return this.#framing;
  }

  /**
   * Reads `buf` from `start`: the index just past the body's last byte in it (then `done`), or
   * `buf.length` when all of it is body and more is to come; -1 when the chunked framing is broken.
   */
  advance(buf: Buffer, start: number): number {
    if (this.#state === Done) return start;
    if (this.#framing === 'close') return buf.length;
    if (this.#framing === 'length') {
      const take = Math.min(this.#remaining, buf.length - start);
      this.#remaining -= take;
      if (this.#remaining === 0) this.#state = Done;
      return start + take;
    }
    return this.#chunked(buf, start);
  }

  #chunked(buf: Buffer, start: number): number {
    let i = start;
    while (i < buf.length) {
      const byte = buf[i] as number;
      switch (this.#state) {
        case Size: {
          const v = hexValue(byte);
          if (v >= 0) {
            if (++this.#digits > MAX_SIZE_DIGITS) return -1;
            this.#remaining = this.#remaining * 16 + v;
          } else if (this.#digits === 0) return -1;
          else if (byte === CR) this.#state = SizeLf;
          else if (byte === 0x3b /* ; */ || byte === 0x20 || byte === 0x09) this.#state = Extension;
          else return -1;
          i++;
          break;
        }
        case Extension:
          if (++this.#line > MAX_LINE || byte === LF) return -1;
          if (byte === CR) this.#state = SizeLf;
          i++;
          break;
        case SizeLf:
          if (byte !== LF) return -1;
          this.#digits = 0;
          this.#line = 0;
          this.#state = this.#remaining === 0 ? TrailerStart : Data;
          i++;
          break;
        case Data: {
          const take = Math.min(this.#remaining, buf.length - i);
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#state = DataCr;
          break;
        }
        case DataCr:
          if (byte !== CR) return -1;
          this.#state = DataLf;
          i++;
          break;
        case DataLf:
          if (byte !== LF) return -1;
          this.#state = Size;
          i++;
          break;
        case TrailerStart:
          this.#state = byte === CR ? EndLf : Trailer;
          if (byte === LF) return -1;
          i++;
          break;
        case Trailer:
          if (++this.#line > MAX_LINE || byte === LF) return -1;
          if (byte === CR) this.#state = TrailerLf;
          i++;
          break;
        case TrailerLf:
          if (byte !== LF) return -1;
          this.#line = 0;
          this.#state = TrailerStart;
          i++;
          break;
        case EndLf:
          if (byte !== LF) return -1;
          this.#state = Done;
          return i + 1;
        case Done:
          return i;
      }
    }
    return i;
  }
}
