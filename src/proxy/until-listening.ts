import type { EventEmitter } from 'node:events';

/**
 * Starts a server or socket listening (`start`) and resolves once it does; its first error
 * rejects instead. Neither handler is left behind, so the caller's own `error` handler is the
 * only one afterwards.
 */
export function untilListening(emitter: EventEmitter, start: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (err: Error): void => {
      emitter.off('listening', listening);
      reject(err);
    };
    const listening = (): void => {
      emitter.off('error', failed);
      resolve();
    };
    emitter.once('error', failed);
    emitter.once('listening', listening);
    start();
  });
}
