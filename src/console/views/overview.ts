import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ClusterStore } from '../cluster-store.js';
import { RECENT_MS } from '../event-stream.js';
import { TASK_STATES, type ClusterEvent, type TaskState } from '../decode.js';
import { FilesTable } from './files.js';
import { choiceHash, choiceOf, MAX_QUERY, tasksShown, type TaskChoice } from '../task-filter.js';
import { formatBytes } from '../../units/index.js';
import { age, Bar, link, Reason, replicasText, Section, State, TableBox } from './parts.js';
import { Ago } from './ago.js';
import { AsOf, reportIsOld } from './as-of.js';

/** Rows of the task list at most; the counts above it cover every task. */
const TASK_ROWS = 50;
const EVENT_ROWS = 15;

export function nodeStateText(n: { state: string; availability: string; conditions: string[] }): string {
  const parts = [n.state];
  if (n.availability === 'drain') parts.push('drained');
  if (n.availability === 'pause') parts.push('paused');
  if (n.conditions.length > 0) parts.push('engine unavailable');
  return parts.join(', ');
}

function NodesTable(props: { store: ClusterStore }) {
  const nodes = [...props.store.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (nodes.length === 0) return html`<p>No node has joined.</p>`;
  return html`<${TableBox} label="Nodes table">
    <table>
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">State</th>
          <th scope="col">CPU allocated</th>
          <th scope="col">Memory allocated</th>
          <th scope="col">Tasks</th>
          <th scope="col">Load</th>
          <th scope="col">Last heartbeat</th>
        </tr>
      </thead>
      <tbody>
        ${nodes.map((n) => {
          const old = reportIsOld(n);
          const asOf = old ? html`<${AsOf} at=${n.lastHeartbeat} />` : null;
          return html`<tr key=${n.id}>
              <th scope="row"><a href=${link(`nodes/${n.id}`)}>${n.name}</a></th>
              <td><${State} value=${nodeStateText(n)} /></td>
              <td>
                <${Bar}
                  label=""
                  used=${n.allocated.cpuCores}
                  total=${n.capacity.cpuCores}
                  text=${`${n.allocated.cpuCores.toFixed(1)} / ${n.capacity.cpuCores} cores`}
                  stale=${old}
                >${asOf}</${Bar}>
              </td>
              <td>
                <${Bar}
                  label=""
                  used=${n.allocated.memoryBytes}
                  total=${n.capacity.memoryBytes}
                  text=${`${formatBytes(n.allocated.memoryBytes)} / ${formatBytes(n.capacity.memoryBytes)}`}
                  stale=${old}
                >${asOf}</${Bar}>
              </td>
              <td>${n.taskCount}</td>
              <td class=${old ? 'load stale' : 'load'}>${n.load1.toFixed(2)}${old ? ' ' : null}${asOf}</td>
              <td>${n.lastHeartbeat === null ? 'never' : html`<${Ago} at=${n.lastHeartbeat} />`}</td>
            </tr>`;
        })}
      </tbody>
    </table>
  </${TableBox}>`;
}

function ServicesTable(props: { store: ClusterStore }) {
  const services = [...props.store.services.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (services.length === 0) return html`<p>No services.</p>`;
  return html`<${TableBox} label="Services table">
    <table>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Replicas (healthy/wanted)</th>
          <th scope="col">Version</th>
          <th scope="col">Image</th>
          <th scope="col">Update</th>
        </tr>
      </thead>
      <tbody>
        ${services.map(
          (s) =>
            html`<tr key=${s.name}>
              <th scope="row"><a href=${link(`services/${s.name}`)}>${s.name}</a></th>
              <td class="replicas">
                ${replicasText(s)}${s.mode === 'replicated' ? null : html` <small>${s.mode}</small>`}
              </td>
              <td>${s.version}</td>
              <td class="mono">${s.image}</td>
              <td>
                ${
                  // a job has no rollout: where its run stands instead
                  s.job !== null
                    ? html`job <${State} value=${s.job.state} />`
                    : s.update === null
                      ? '-'
                      : html`<${State} value=${s.update.state} /> ${` ${s.update.updated}/${s.update.total}`}`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </${TableBox}>`;
}

/**
 * The newest `limit` events; `empty` is said when there is none. `keyOf`: a row's stable key (a
 * list that grows at its top then moves no row's content to the next).
 */
export function EventList(props: {
  events: readonly ClusterEvent[];
  limit?: number;
  empty?: string;
  keyOf?: (e: ClusterEvent) => number | string | undefined;
}) {
  const events = props.events.slice(0, props.limit ?? EVENT_ROWS);
  if (events.length === 0) return html`<p>${props.empty ?? `No events in the last ${RECENT_MS / 60_000} minutes.`}</p>`;
  return html`<ol class="events" aria-live="polite">
    ${events.map(
      (e) =>
        html`<li key=${props.keyOf?.(e)}>
          <time datetime=${e.time}>${new Date(e.time).toLocaleTimeString()}</time>
          <span class="event-type">${e.type}</span>
          ${e.taskId !== null ? html`<a href=${link(`tasks/${e.taskId}`)}>${e.taskName ?? e.taskId}</a>` : null}
          ${e.service !== null ? html`<a href=${link(`services/${e.service}`)}>${e.service}</a>` : null}
          ${e.file !== null ? html`<span class="mono">${e.file}</span>` : null}
          ${e.node !== null ? html`<span>on ${e.node}</span>` : null}
          ${e.state !== null ? html`<${State} value=${e.state} />` : null}
          ${e.reason !== null && e.reason !== '' ? html`<span class="reason">${e.reason}</span>` : null}
          ${e.note !== null ? html`<span class="reason">${e.note}</span>` : null}
        </li>`,
    )}
  </ol>`;
}

/**
 * Tasks by state, and the list of those chosen. The choice is kept in the address (replaced, not
 * pushed: a choice is no page of its own), so the back button from a task returns to the list as left.
 */
function Tasks(props: { store: ClusterStore; hash: string }) {
  const [choice, setChoice] = useState<TaskChoice>(() => choiceOf(props.hash, TASK_STATES));
  const choose = (next: TaskChoice): void => {
    setChoice(next);
    history.replaceState(history.state, '', choiceHash(next));
  };
  // a link to the overview followed (its brand, `#/`): the list as that address says
  useEffect(() => {
    const onHash = (): void => {
      if (location.hash === '' || location.hash.startsWith('#/?') || location.hash === '#/')
        setChoice(choiceOf(location.hash, TASK_STATES));
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const filter = choice.state;
  const query = choice.query;
  const setFilter = (state: TaskState | 'all'): void => choose({ state, query });
  const setQuery = (text: string): void => choose({ state: filter, query: text });
  const counts = new Map<TaskState, number>(TASK_STATES.map((s) => [s, 0]));
  for (const t of props.store.tasks.values()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const shown = tasksShown(props.store.tasks.values(), filter, query);
  const found = query.trim() === '' ? '' : ` whose name has "${query.trim()}" or whose id starts so`;
  return html`<div>
    <div class="counts" role="group" aria-label="Tasks by state (choose one to list them)">
      <button type="button" aria-pressed=${filter === 'all'} onClick=${() => setFilter('all')}>
        All <span class="count">${props.store.tasks.size}</span>
      </button>
      ${TASK_STATES.map(
        (s) =>
          html`<button type="button" aria-pressed=${filter === s} onClick=${() => setFilter(s)} data-state=${s}>
            ${s} <span class="count">${counts.get(s) ?? 0}</span>
          </button>`,
      )}
    </div>
    <div class="find">
      <label for="task-find">Find a task</label>
      <input
        id="task-find"
        type="search"
        maxlength=${MAX_QUERY}
        placeholder="name, or id prefix"
        value=${query}
        onInput=${(e: Event) => setQuery((e.currentTarget as HTMLInputElement).value)}
      />
    </div>
    <${TableBox} label="Tasks table">
      <table>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">State</th>
            <th scope="col">Node</th>
            <th scope="col">Restarts</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          ${shown.slice(0, TASK_ROWS).map(
            (t) =>
              html`<tr key=${t.id}>
                <th scope="row"><a href=${link(`tasks/${t.id}`)}>${t.name}</a></th>
                <td><${State} value=${t.state} /></td>
                <td class="node">${t.node ?? '-'}</td>
                <td>${t.restarts}</td>
                <td class="reason"><${Reason} task=${t} /></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </${TableBox}>
    ${
      shown.length > TASK_ROWS
        ? html`<p>Showing the newest ${TASK_ROWS} of ${shown.length}${found}: find one by its name to list it.</p>`
        : shown.length === 0 && found !== ''
          ? html`<p>No task${found}.</p>`
          : null
    }
  </div>`;
}

/** `hash`: the address it was opened at, which may hold the tasks chosen (`#/?state=Failed`). */
export function Overview(props: { store: ClusterStore; hash: string }) {
  const { store } = props;
  // before the manager answered, its lists are not empty but not known: "No node has joined" would be untrue
  if (!store.loaded) return html`<p class="loading">Loading the cluster…</p>`;
  return html`<div class="overview">
    <${Section} title="Nodes" class="nodes"><${NodesTable} store=${store} /></${Section}>
    <${Section} title="Services" class="services"><${ServicesTable} store=${store} /></${Section}>
    <${Section} title="Tasks" class="tasks"><${Tasks} store=${store} hash=${props.hash} /></${Section}>
    <${Section} title="Secrets and configs" class="files"><${FilesTable} store=${store} /></${Section}>
    <${Section} title="Latest events" class="events-section"><${EventList} events=${store.events} /></${Section}>
  </div>`;
}
