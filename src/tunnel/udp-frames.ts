// Datagrams over a byte stream (a udp tunnel, `GET /tunnel/{taskId}/{port}?proto=udp`): each one
// is sent as a 2-byte big-endian length, then that many bytes. Both sides of the tunnel use this
// file (the proxy's flow and the worker's tunnel server), so it belongs to neither.

/** The largest datagram a frame holds: the length prefix's most (a UDP payload is at most 65,507). */
export const MAX_FRAME_BYTES = 0xffff;

/** One datagram as a frame: its length (2 bytes, big-endian), then its bytes. */
export function frame(datagram: Buffer): Buffer {
  if (datagram.length > MAX_FRAME_BYTES) throw new RangeError(`a datagram of ${datagram.length} bytes has no frame`);
  const out = Buffer.allocUnsafe(2 + datagram.length);
  out.writeUInt16BE(datagram.length, 0);
  datagram.copy(out, 2);
  return out;
}

/**
 * Cuts a byte stream back into the datagrams it carries, however its chunks fell: a frame split
 * over several chunks waits for its rest, several frames in one chunk come out one by one.
 */
export class FrameReader {
  #rest: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (datagram: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    while (buf.length >= 2) {
      const end = 2 + buf.readUInt16BE(0);
      if (buf.length < end) break;
      this.onFrame(buf.subarray(2, end));
      buf = buf.subarray(end);
    }
    // a copy: a short rest would otherwise keep a whole large chunk alive
    this.#rest = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }

  /** Bytes of a frame not yet complete. */
  get pending(): number {
    return this.#rest.length;
  }
}
