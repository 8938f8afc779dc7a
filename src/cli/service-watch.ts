import type { ManagerClient } from '../client/index.js';
import { followEvents } from './events-action.js';
import { PATIENCE, type Patience } from './stream-again.js';
import { Wakeup } from './wakeup.js';

/** The events that wake the look for new replicas: one placed or started, or the service removed. */
const WAKING = new Set(['task.scheduled', 'task.started', 'service.removed']);

/**
 * The manager's events for one service, followed until `signal`: a replica placed or started, or
 * the service removed, wakes `service logs -f`'s look for new replicas at once. A stream that ends
 * or is cut (a manager restarted, the leader changed) is asked for again from its last event, as
 * `poseidon events` does (followEvents), so replicas started after the cut wake the look as well;
 * the replicas' own streams say the cut, so this one says nothing. Past the window with no manager
 * serving it, only the slow look goes on.
 */
export class ServiceWatch {
  readonly wake = new Wakeup();
  #open = false;

  constructor(client: ManagerClient, name: string, signal: AbortSignal, patience: Patience = PATIENCE) {
    signal.addEventListener('abort', () => this.wake.fire(), { once: true });
    const keep = (e: { type: string; service?: string }): boolean => e.service === name && WAKING.has(e.type);
    const sink = {
      line: () => this.wake.fire(),
      note: () => undefined,
      open: (isOpen: boolean) => void (this.#open = isOpen),
    };
    followEvents(client, { json: true, keep, window: {} }, signal, sink, patience).catch(() => {
      // no stream, or none again within the window: the look every few seconds carries on alone
    });
  }

  get isOpen(): boolean {
    return this.#open;
  }
}
