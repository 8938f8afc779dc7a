import { html } from 'htm/preact';
import { useEffect, useReducer, useState } from 'preact/hooks';
import type { ClusterStore } from '../cluster-store.js';
import type { TaskView } from '../decode.js';
import { TaskEventLog } from '../task-event-log.js';
import { EventList } from './overview.js';

/**
 * A task's state history: its events the manager kept since it was submitted, asked for this task
 * alone (the console's own list holds the cluster's latest 200, where an old task's are long gone),
 * and each one since, kept while the page is open; the newest TASK_EVENTS_SHOWN listed, and how many
 * there are (task-event-log.ts: each event taken once, as it comes). Keyed by the task's id: another
 * task starts afresh.
 */
export function StateHistory(props: { store: ClusterStore; task: TaskView }) {
  const { store, task } = props;
  const [log] = useState(() => new TaskEventLog());
  const [, changed] = useReducer((n: number, _: null) => n + 1, 0);
  useEffect(() => {
    let live = true;
    // what the console heard of it before this page opened, then each event as it comes
    for (const e of [...store.events].reverse()) if (e.taskId === task.id) log.live(e);
    const off = store.onEvent((e) => {
      if (e.taskId === task.id && log.live(e)) changed(null);
    });
    void store.taskHistory(task.id, task.submittedAt).then((events) => {
      if (!live) return;
      log.kept(events);
      changed(null);
    });
    changed(null);
    return () => {
      live = false;
      off();
    };
  }, [task.id]);
  const shown = log.newestFirst();
  const kept = "(it keeps the cluster's last 10,000, from when it started)";
  const which =
    log.total > shown.length
      ? `the last ${shown.length.toLocaleString('en')} of the ${log.total.toLocaleString('en')} the manager kept ` +
        `since the task was submitted ${kept} and heard since.`
      : `every one the manager kept since the task was submitted ${kept}, and each one since.`;
  return html`<p class="hint">Its events, newest first: ${which}</p>
    <${EventList}
      events=${shown}
      limit=${log.max}
      keyOf=${(e: (typeof shown)[number]) => log.keyOf(e)}
      empty=${log.keptCame ? 'No event of it is kept.' : 'Asking the manager for its events…'}
    />`;
}
