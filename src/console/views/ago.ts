import { html } from 'htm/preact';
import { age } from './parts.js';
import { useTick } from './tick.js';

/** How long ago `at` was (`8s ago`), kept current while shown; its time in full on hover. */
export function Ago(props: { at: string }) {
  useTick();
  return html`<time datetime=${props.at} title=${props.at}>${age(props.at)} ago</time>`;
}
