import { PassThrough } from 'node:stream';
import type { ExecOutput } from '../types.js';

/**
 * Docker multiplexes stdout and stderr of a non-TTY container into frames of an 8-byte header
 * (stream type, 3 zero bytes, big-endian length) and a payload. This turns a whole buffer of
 * frames into text (used for non-follow logs and exec output).
 */
export function demuxBuffer(buf: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const size = buf.readUInt32BE(offset + 4);
    parts.push(buf.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** A stream of frames to a stream of text, for followed logs. */
export function demuxStream(source: NodeJS.ReadableStream): PassThrough {
  const out = new PassThrough();
  let pending = Buffer.alloc(0);
  source.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      out.write(pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  });
  source.on('end', () => out.end());
  source.on('error', (err) => out.destroy(err));
  out.on('close', () => (source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.());
  return out;
}

/**
 * A stream of frames to its pieces as they come, each with the stream it went to (type 2 is
 * stderr, 1 stdout): what `poseidon exec` shows. Read at the reader's pace.
 */
export async function* demuxFrames(source: AsyncIterable<Buffer>): AsyncGenerator<ExecOutput> {
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
