import { html } from 'htm/preact';
import { Ago } from './ago.js';
import { useLostSince } from './lost.js';

// A node reports its load with each heartbeat, and the manager books what it placed there: once the
// node is not Up, both are what it was last heard of, not figures of now, and are shown as such.

/** Whether a node's load and allocation are figures of its last report rather than of now. */
export function reportIsOld(n: { state: string }): boolean {
  return n.state !== 'Up';
}

/** "as of 3m ago" (ticking), beside a figure of the past: `at` is when the node was last heard from. */
export function AsOf(props: { at: string | null }) {
  if (props.at === null) return html`<span class="as-of">never reported</span>`;
  return html`<span class="as-of">as of <${Ago} at=${props.at} /></span>`;
}

/** " as of 12s ago" beside a state while the manager does not answer: it is what it last answered. */
export function AsOfLost() {
  const at = useLostSince();
  return at === null ? null : html` <${AsOf} at=${at} />`;
}
