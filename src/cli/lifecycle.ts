import type { Logger } from 'pino';

/**
 * A worker's exit status once its node was removed from the cluster (sysexits' EX_CONFIG: it
 * cannot run as configured): its systemd unit does not start it again (RestartPreventExitStatus).
 */
export const EXIT_NODE_REMOVED = 78;

/** Waits for SIGINT/SIGTERM, then runs `shutdown` once; a second signal exits at once. */
export function runUntilSignal(log: Logger, shutdown: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      log.info({ signal }, 'shutting down');
      shutdown().then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      }, reject);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
