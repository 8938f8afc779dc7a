import type { StopEffect } from '../task/stop-effect.js';

// The question the task page's Stop asks before it acts: what the manager does next, as `poseidon
// stop`'s line says it (src/cli/status-action.ts, stoppingLine).

/** The task as the question reads it; `ownData`: it is a replica whose template mounts a named volume. */
export interface StopAsked {
  name: string;
  service: string | null;
  effect: StopEffect;
  ownData: boolean;
}

export function stopQuestion(t: StopAsked): string {
  if (t.service !== null) {
    // a slot's named volume is its data: its next replica waits for this one to end (no two write it)
    const next = t.ownData ? 'a new one in its place once this one has ended' : 'a new one in its place';
    return `Stop ${t.name}? It is a replica of ${t.service}, which starts ${next}.`;
  }
  return t.effect === 'cancels-restart'
    ? `Stop ${t.name}? It has ended; the restart its policy planned is cancelled.`
    : `Stop ${t.name}? Its restart policy does not start it again.`;
}
