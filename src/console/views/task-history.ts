import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { mergeEvents, type ClusterStore } from '../cluster-store.js';
import type { ClusterEvent, TaskView } from '../decode.js';
import { EventList } from './overview.js';

/**
 * A task's state history: its events the manager kept since it was submitted, asked for this task
 * alone (the console's own list holds the cluster's latest 200, where an old task's are long gone),
 * and each one since, kept while the page is open. Keyed by the task's id: another task starts afresh.
 */
export function StateHistory(props: { store: ClusterStore; task: TaskView }) {
  const { store, task } = props;
  const [kept, setKept] = useState<readonly ClusterEvent[]>([]);
  const [asked, setAsked] = useState(false);
  // what the live list said of the task while the page was open, however many events push it out there
  const seen = useRef<readonly ClusterEvent[]>([]);
  useEffect(() => {
    let live = true;
    void store.taskHistory(task.id, task.submittedAt).then((events) => {
      if (!live) return;
      setKept(events);
      setAsked(true);
    });
    return () => {
      live = false;
    };
  }, [task.id]);
  seen.current = mergeEvents(
    seen.current,
    store.events.filter((e) => e.taskId === task.id),
    Infinity,
  );
  const history = mergeEvents(seen.current, kept, Infinity);
  return html`<p class="hint">
      Its events, newest first: every one the manager kept since the task was submitted (it keeps the cluster's last
      10,000, from when it started), and each one since.
    </p>
    <${EventList}
      events=${history}
      limit=${Infinity}
      empty=${asked ? 'No event of it is kept.' : 'Asking the manager for its events…'}
    />`;
}
