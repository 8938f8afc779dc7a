import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { age } from './parts.js';

// "8s ago" as time goes on: a page re-renders when an event or a fetch changes what it shows, and a
// node that went Down sends nothing more, so its last heartbeat read "8s ago" for as long as one looked.

/** How often every age on the page is written again: the finest unit age() prints is a second. */
const TICK_MS = 1_000;

const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

/** Renders the component again every TICK_MS while it is shown: one timer for all of them. */
function useTick(): void {
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

/** How long ago `at` was (`8s ago`), kept current while shown; its time in full on hover. */
export function Ago(props: { at: string }) {
  useTick();
  return html`<time datetime=${props.at} title=${props.at}>${age(props.at)} ago</time>`;
}
