import type { FastifyInstance, FastifyRequest } from 'fastify';
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

class NotATar extends PoseidonError {
  constructor() {
    super('unsupported_media_type', `body must be a tar archive (Content-Type: ${TAR_MEDIA_TYPE})`);
  }
}

/**
 * The route's schema for a tar body, for the API's document: any bytes, as the media type says.
 * Fastify checks only bodies of the media types it names, so the handler takes the body through
 * tarBody(), which refuses any other.
 */
export const TAR_BODY = {
  content: { [TAR_MEDIA_TYPE]: { schema: { description: 'A tar archive (any bytes; streamed, never parsed).' } } },
} as const;

/** The request's tar archive, as it streams; 415 naming the media type for any other body, or none. */
export function tarBody(req: FastifyRequest): Readable {
  const body = req.body as Partial<Readable> | undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== TAR_MEDIA_TYPE || typeof body?.pipe !== 'function') throw new NotATar();
  return body as Readable;
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
