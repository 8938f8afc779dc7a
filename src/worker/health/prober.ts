import type { Clock } from '../../clock/index.js';
import type { HealthCheck } from '../../task/index.js';

/** What a check talks to: the container (exec) and its own address on the bridge network (http, tcp). */
export interface ProbeTarget {
  containerId: string;
  /** '' when the container has no address (network mode none or host). */
  ipAddress: string;
}

/** One check's verdict; `output` is for people (a status line, an error, command output), at most OUTPUT_MAX_CHARS. */
export interface ProbeResult {
  healthy: boolean;
  output: string;
}

/**
 * Runs one kind of check once. An unhealthy target is `healthy: false`, never a rejection; the
 * answer comes within `check.timeoutMs`, or soon after `signal` aborts (the task stopped).
 */
export interface Prober {
  probe(target: ProbeTarget, check: HealthCheck, signal: AbortSignal): Promise<ProbeResult>;
}

/** Output is stored with the task and sent in every report: a chatty check must not bloat either. */
export const OUTPUT_MAX_CHARS = 200;

export function capOutput(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= OUTPUT_MAX_CHARS ? trimmed : `${trimmed.slice(0, OUTPUT_MAX_CHARS - 1)}…`;
}

/** An error in words: Node's socket errors already name the call, the code and the address. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message !== '' ? err.message : ((err as { code?: string }).code ?? err.name);
  return String(err);
}

/**
 * Runs `attempt` under the check's deadline (a timer of the injected clock) joined with the
 * caller's signal, and settles when the first of the three does: an attempt that ignores its
 * signal (exec has no way to cancel) still cannot hold the check past its timeout. Timers and
 * listeners are released before returning, so a task's long-lived signal does not collect them.
 */
export async function runProbe(
  clock: Clock,
  signal: AbortSignal,
  timeoutMs: number,
  attempt: (signal: AbortSignal) => Promise<ProbeResult>,
): Promise<ProbeResult> {
  const controller = new AbortController();
  let settle!: (result: ProbeResult) => void;
  const cut = new Promise<ProbeResult>((resolve) => (settle = resolve));
  const onStop = (): void => settle({ healthy: false, output: 'check cancelled' });
  const cancelTimer = clock.setTimer(timeoutMs, () =>
    settle({ healthy: false, output: `timed out after ${timeoutMs}ms` }),
  );
  if (signal.aborted) onStop();
  else signal.addEventListener('abort', onStop, { once: true });
  try {
    const attempted = Promise.resolve(controller.signal)
      .then(attempt)
      .then(
        (r) => ({ healthy: r.healthy, output: capOutput(r.output) }),
        (err: unknown) => ({ healthy: false, output: capOutput(describeError(err)) }),
      );
    return await Promise.race([cut, attempted]);
  } finally {
    cancelTimer();
    signal.removeEventListener('abort', onStop);
    controller.abort(); // whatever the attempt still holds (a socket, a request) is let go
  }
}
