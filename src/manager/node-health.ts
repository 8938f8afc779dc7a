import type { Clock } from '../clock/index.js';

/**
 * One deadline per node: each heartbeat pushes it back by `graceMs`; a node whose deadline
 * passes is reported down once. After a manager restart, known nodes first get a longer grace
 * (`startGraceMs`), so a restart does not declare the whole cluster dead.
 */
export class NodeHealth {
  readonly #deadlines = new Map<string, () => void>();

  constructor(
    private readonly deps: { clock: Clock; graceMs: number; periodMs: number; onDown(nodeId: string): void },
  ) {}

  beat(nodeId: string, graceMs = this.deps.graceMs): { nextBeatInMs: number } {
    this.#deadlines.get(nodeId)?.(); // cancel the old deadline before setting the new one
    this.#deadlines.set(
      nodeId,
      this.deps.clock.setTimer(graceMs, () => {
        this.#deadlines.delete(nodeId);
        this.deps.onDown(nodeId);
      }),
    );
    return { nextBeatInMs: this.deps.periodMs };
  }

  forget(nodeId: string): void {
    this.#deadlines.get(nodeId)?.();
    this.#deadlines.delete(nodeId);
  }

  stop(): void {
    for (const cancel of this.#deadlines.values()) cancel();
    this.#deadlines.clear();
  }
}
