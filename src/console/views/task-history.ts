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
 * task starts afresh. Asked for while the manager answers: a page opened, or an ask cut off, while it
 * does not says so (not that none is kept) and asks again once it answers.
 */
export function StateHistory(props: { store: ClusterStore; task: TaskView }) {
  const { store, task } = props;
  const [log] = useState(() => new TaskEventLog());
  const [, changed] = useReducer((n: number, _: null) => n + 1, 0);
  const [unanswered, setUnanswered] = useState(false);
  const lost = store.lostSince !== null;
  useEffect(() => {
    // what the console heard of it before this page opened, then each event as it comes
    for (const e of [...store.events].reverse()) if (e.taskId === task.id) log.live(e);
    const off = store.onEvent((e) => {
      if (e.taskId === task.id && log.live(e)) changed(null);
    });
    changed(null);
    return off;
  }, [task.id]);
  useEffect(() => {
    if (log.keptCame || lost) return;
    let current = true;
    void store.taskHistory(task.id, task.submittedAt).then((events) => {
      if (!current) return;
      setUnanswered(events === null);
      if (events !== null) log.kept(events);
      changed(null);
    });
    return () => {
      current = false;
    };
  }, [task.id, lost]);
  const shown = log.newestFirst();
  const kept = "(it keeps the cluster's last 10,000, from when it started)";
  if (!log.keptCame && (lost || unanswered))
    return html`<p class="hint">
        ${
          'Its events, newest first: those heard while this page is open. Those the manager kept did not come ' +
          '(it does not answer); they are asked for once it does.'
        }
      </p>
      <${EventList} events=${shown} limit=${log.max} keyOf=${(e: (typeof shown)[number]) => log.keyOf(e)} empty="" />`;
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
