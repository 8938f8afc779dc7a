import type { Logger } from 'pino';

/** One part of a process to stop, named for the line said when it cannot be. */
export interface StopStep {
  what: string;
  stop(): Promise<void> | void;
}

/**
 * Stops each part in turn; one that fails is said in a warning and the next is stopped all the
 * same. A manager whose last write to etcd failed on its way out (etcd lacking a majority) used to
 * skip the rest: its leases were never revoked nor its etcd client closed, and their keep-alives
 * held the process, which a SIGTERM then never ended.
 */
export async function stopInTurn(log: Logger, steps: readonly StopStep[]): Promise<void> {
  for (const step of steps) {
    try {
      await step.stop();
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, `stopping: could not ${step.what}`);
    }
  }
}
