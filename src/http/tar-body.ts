import type { FastifyInstance } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { TAR_MEDIA_TYPE } from '../api/index.js';
import { PoseidonError } from '../errors/index.js';
import { formatBytes } from '../units/index.js';

// An upload of a tar archive (`poseidon cp` into a container) is not parsed: it streams through
// the server to where it goes, counted as it passes, so a server holds none of it in memory and
// cuts off one that goes past its bound.

/** In the routes of `app` (register it in the plugin that declares them), a tar body is the request's stream. */
export function streamTarBodies(app: FastifyInstance): void {
  app.addContentTypeParser(TAR_MEDIA_TYPE, (_req, payload, done) => done(null, payload));
}

export class BodyTooLarge extends PoseidonError {
  constructor(maxBytes: number) {
    super('body_too_large', `the archive is larger than ${formatBytes(maxBytes)}, the most one upload may carry`);
  }
}

/**
 * `body` as it streams, counted: past `maxBytes` `onTooLarge` is called (it should abort what the
 * stream goes to) and the stream ends in BodyTooLarge. A declared Content-Length past it is
 * refused before a byte is read.
 */
export function cappedBody(
  body: Readable,
  maxBytes: number,
  declaredBytes: string | undefined,
  onTooLarge: () => void,
): Readable {
  if (declaredBytes !== undefined && Number(declaredBytes) > maxBytes) throw new BodyTooLarge(maxBytes);
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen <= maxBytes) return done(null, chunk);
      onTooLarge();
      done(new BodyTooLarge(maxBytes));
    },
  });
  body.on('error', (err) => counted.destroy(err));
  return body.pipe(counted);
}
