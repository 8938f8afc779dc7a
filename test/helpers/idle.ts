/**
 * Lets what a call set going run to its end: a few turns of the event loop, enough for a fake
 * worker's start, its engine's answer and its report, with no timer and no wall clock.
 */
export async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
