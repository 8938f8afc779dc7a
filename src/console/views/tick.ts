import { useEffect, useState } from 'preact/hooks';

// Texts that change as time goes on ("8s ago", "restarting in 4.2s"): a page re-renders when an event
// or a fetch changes what it shows, and nothing reaches a page while nothing happens (a node gone Down
// sends nothing more, a task waits out its restart's backoff), so such a text would stay as first written.

/** How often every such text on the page is written again: the finest unit they print is a second. */
const TICK_MS = 1_000;

const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

/** Renders the component again every TICK_MS while it is shown: one timer for all of them. */
export function useTick(): void {
  const [, setTicks] = useState(0);
  useEffect(() => {
    const listener = (): void => setTicks((n) => n + 1);
    listeners.add(listener);
    timer ??= setInterval(() => listeners.forEach((l) => l()), TICK_MS);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
}
