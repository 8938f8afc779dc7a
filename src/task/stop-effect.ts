// What a stop (`DELETE /tasks/{id}`: `poseidon stop`, the console's Stop) does to a task as it
// stands. The manager acts on a stop only where it does something, and the console offers Stop only
// there: one rule for both, without TypeBox (the console's bundle and the CLI load no schema library).

/**
 * `stops`: it is placed, starting or running, and is stopped; `cancels-restart`: it ended and its
 * restart policy would start it again, which the stop cancels for good; `none`: it was asked to stop
 * already, or ended with no restart coming (it completed, or its policy gave up on it).
 */
export type StopEffect = 'stops' | 'cancels-restart' | 'none';

/** The task as the manager keeps it or a view shows it: `restartPlanned` is a restartAt set. */
export interface StopFields {
  state: string;
  desired: string;
  restartPlanned: boolean;
}

export function stopEffect(t: StopFields): StopEffect {
  if (t.desired === 'stopped') return 'none';
  if (t.state !== 'Completed' && t.state !== 'Failed') return 'stops';
  return t.restartPlanned ? 'cancels-restart' : 'none';
}
