import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Credentials no log line may carry, whoever logs what: a request's headers (fastify's request
 * logging, an error with its request) and a field named for a token. Poseidon logs a token's id
 * (`tokenId`), never the token.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
];

/** The one root logger: JSON lines on stdout; level from --log-level or POSEIDON_LOG_LEVEL. */
export function rootLogger(level: string | undefined, destination?: DestinationStream): Logger {
  const options = {
    level: level ?? process.env.POSEIDON_LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
