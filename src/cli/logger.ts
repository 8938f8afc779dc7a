import { pino, type DestinationStream, type Logger } from 'pino';
import { InvalidField } from '../errors/index.js';
import { LOG_LEVELS } from './defaults.js';

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

/**
 * The one root logger: JSON lines on stdout; level from --log-level or POSEIDON_LOG_LEVEL. The
 * commands check the level first (runtime-commands.ts); one that is not pino's is refused here
 * too, naming the flag, rather than crash in pino.
 */
export function rootLogger(level: string | undefined, destination?: DestinationStream): Logger {
  const given = level ?? process.env.POSEIDON_LOG_LEVEL;
  const field = level === undefined ? 'POSEIDON_LOG_LEVEL' : '--log-level';
  if (given !== undefined && !(LOG_LEVELS as readonly string[]).includes(given))
    throw new InvalidField(field, `is ${JSON.stringify(given)}; use one of ${LOG_LEVELS.join(', ')}`);
  const options = {
    level: given ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
