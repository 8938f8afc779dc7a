import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { jobCounts } from '../../api/service-modes.js';
import { actionErrorText } from '../error-text.js';
import type { Scope, TaskView } from '../decode.js';
import { neverPlacedText } from '../../cli/unplaceable.js';
import { formatDelay, saysRestartPlan, withoutRestartPlan } from '../../task/restart-plan.js';
import { NOT_WHILE_LOST, useLostSince } from './lost.js';
import { useTick } from './tick.js';

// Small pieces every page uses. A state is always written out, its colour only repeats it.

/** Whether a token of `scope` may change what runs (scale, update, stop); draining a node needs admin. */
export function mayDeploy(scope: Scope): boolean {
  return scope === 'deploy' || scope === 'admin';
}

export function age(iso: string | null, nowMs = Date.now()): string {
  if (iso === null) return 'never';
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Replicas as the services table shows them: healthy/wanted; a job's running now, then how many completed. */
export function replicasText(s: {
  healthy: number;
  replicas: number;
  running: number;
  job: { completed: number; failed: number; total: number } | null;
}): string {
  return s.job === null ? `${s.healthy}/${s.replicas}` : `${s.running}/${s.job.total} (${jobCounts(s.job)})`;
}

/** A state as text, with a class that colours it (`state-running`, `state-failed`, ...). */
export function State(props: { value: string }) {
  const cls = `state state-${props.value.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return html`<span class=${cls}>${props.value}</span>`;
}

type ReasonFields = Pick<TaskView, 'state' | 'desiredState' | 'reason' | 'unplaceable' | 'restartAt'>;

/** "can never be placed: …" (with what to do, `withHint`) while no node could ever hold the task; else nothing. */
export function NeverPlaced(props: { task: ReasonFields; withHint?: boolean }) {
  const text = neverPlacedText(props.task, props.withHint === true);
  return text === undefined ? null : html`<span class="never-placed">${text}</span>`;
}

/** A task's reason, or that it can never be placed while that is so; `none` when it has none. */
export function Reason(props: { task: ReasonFields; withHint?: boolean; none?: string }) {
  const { task } = props;
  if (neverPlacedText(task) !== undefined) return html`<${NeverPlaced} task=${task} withHint=${props.withHint} />`;
  if (task.restartAt !== null && saysRestartPlan(task.reason))
    return html`<${RestartPlan} reason=${task.reason} at=${task.restartAt} />`;
  return task.reason === '' ? (props.none ?? '') : task.reason;
}

/**
 * What ended the task, then its planned restart counted down to `at` (the manager's restartAt; the
 * reason says the delay as it was when planned): "restarting in 4.2s", then "restarting now" until
 * the manager says it restarted (the event that brings its next state and reason).
 */
function RestartPlan(props: { reason: string; at: string }) {
  useTick();
  const leftMs = Date.parse(props.at) - Date.now();
  const plan = leftMs > 0 ? `restarting in ${formatDelay(Math.ceil(leftMs / 100) * 100)}` : 'restarting now';
  return html`${`${withoutRestartPlan(props.reason)}; `}<time datetime=${props.at} title=${props.at}>${plan}</time>`;
}

/**
 * Used against capacity, as a bar and as words (the bar is decoration: the text says it all).
 * `stale`: a figure of the past (a node not Up), greyed, with `children` saying as of when.
 */
export function Bar(props: {
  label: string;
  used: number;
  total: number;
  text: string;
  stale?: boolean;
  children?: ComponentChildren;
}) {
  const pct = props.total <= 0 ? 0 : Math.min(100, Math.round((props.used / props.total) * 100));
  return html`<div class=${props.stale === true ? 'bar-row stale' : 'bar-row'}>
    <span class="bar-label">${props.label}</span>
    <span class="bar" aria-hidden="true"><span class="bar-fill" style=${{ width: `${pct}%` }}></span></span>
    <span class="bar-text">${props.text} (${pct}%)</span>
    ${props.children}
  </div>`;
}

export function link(path: string): string {
  return `#/${path}`;
}

export { errorText } from '../error-text.js';

/** What an action answered: its error (role=alert, so a screen reader says it) or what it did. */
export function Outcome(props: { result: { ok: boolean; text: string } | null }) {
  if (props.result === null) return null;
  return props.result.ok
    ? html`<p class="outcome ok" role="status">${props.result.text}</p>`
    : html`<p class="outcome error" role="alert">${props.result.text}</p>`;
}

/**
 * A button that asks first: a modal dialog (keyboard: Tab between its buttons, Escape cancels)
 * saying what will happen; `run` happens only on Confirm, and what it answered is shown. Not
 * offered, and said why, while the manager does not answer: whether it was done could not be known.
 */
export function ConfirmAction(props: {
  label: string;
  question: string;
  run: () => Promise<string>;
  danger?: boolean;
  disabled?: boolean;
  children?: ComponentChildren;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const lost = useLostSince() !== null;
  const confirm = async (): Promise<void> => {
    dialog.current?.close();
    setBusy(true);
    try {
      setResult({ ok: true, text: await props.run() });
    } catch (err) {
      setResult({ ok: false, text: actionErrorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="action">
    <button
      type="button"
      class=${props.danger === true ? 'danger' : ''}
      disabled=${busy || lost || props.disabled === true}
      onClick=${() => dialog.current?.showModal()}
    >
      ${props.label}
    </button>
    ${lost ? html` <span class="hint not-now">(${NOT_WHILE_LOST})</span>` : null}
    <dialog ref=${dialog} aria-label=${props.label}>
      <p>${props.question}</p>
      ${props.children}
      <div class="dialog-buttons">
        <button type="button" onClick=${() => dialog.current?.close()}>Cancel</button>
        <button type="button" class=${props.danger === true ? 'danger' : 'primary'} onClick=${() => void confirm()}>
          Confirm
        </button>
      </div>
    </dialog>
    <${Outcome} result=${result} />
  </span>`;
}

export function Section(props: { title: string; children?: ComponentChildren; id?: string; class?: string }) {
  const id = props.id ?? props.title.toLowerCase().replace(/[^a-z]+/g, '-');
  return html`<section aria-labelledby=${id} class=${props.class ?? ''}>
    <h2 id=${id}>${props.title}</h2>
    ${props.children}
  </section>`;
}

/**
 * A table's box: a table wider than the window scrolls inside it, never cut off or widening the page.
 * A keyboard reaches it (tabindex 0) and a screen reader names it, as axe's scrollable-region-focusable asks.
 */
export function TableBox(props: { label: string; children?: ComponentChildren }) {
  return html`<div class="table-wrap" role="region" tabindex="0" aria-label=${props.label}>${props.children}</div>`;
}
