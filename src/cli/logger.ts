import { pino, type Logger } from 'pino';

/** The one root logger: JSON lines on stdout; level from --log-level or POSEIDON_LOG_LEVEL. */
export function rootLogger(level: string | undefined): Logger {
  return pino({ level: level ?? process.env.POSEIDON_LOG_LEVEL ?? 'info' });
}
