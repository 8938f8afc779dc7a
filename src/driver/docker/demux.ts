import type { ExecOutput } from '../types.js';

/**
 * Docker multiplexes stdout and stderr of a non-TTY container (its logs, an exec's output) into
 * frames of an 8-byte header (stream type, 3 zero bytes, big-endian length) and a payload. This
 * turns a stream of frames into its pieces as they come, each with the stream it went to (type 2
 * is stderr, 1 stdout): what `poseidon exec` and `poseidon logs` show. Read at the reader's pace.
 */
export async function* demuxFrames(source: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<ExecOutput> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      if (size > 0) yield { stream: pending[0] === 2 ? 'stderr' : 'stdout', data: pending.subarray(8, 8 + size) };
      pending = pending.subarray(8 + size);
    }
  }
}
