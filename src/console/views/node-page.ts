import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import type { ClusterStore } from '../cluster-store.js';
import { nodeView, type Scope } from '../decode.js';
import { Chart } from './chart.js';
import { nodeStateText } from './overview.js';
import { formatBytes } from '../../units/index.js';
import { age, Bar, ConfirmAction, link, Section, State } from './parts.js';
import { nodeLabelsText } from '../../task/constraint.js';
import { Ago } from './ago.js';
import { AsOf, AsOfLost, reportIsOld } from './as-of.js';

/** How often the usage charts sample the node while its page is open (heartbeats carry no history). */
const SAMPLE_MS = 5_000;

function UsageOverTime(props: { store: ClusterStore; id: string }) {
  const key = `node:${props.id}`;
  const [series, setSeries] = useState(() => props.store.usage.get(key));
  useEffect(() => {
    let live = true;
    setSeries(props.store.usage.get(key));
    const sample = async (): Promise<void> => {
      const answers = props.store.nodesAnswers;
      await props.store.refreshNodes();
      const n = props.store.nodes.get(props.id);
      // a node that is not Up reports nothing new, and a manager that did not answer told nothing new:
      // the last figures are not a sample of now
      if (n === undefined || !live || n.state !== 'Up' || props.store.nodesAnswers === answers) return;
      const used = Math.max(0, n.capacity.memoryBytes - n.memoryAvailableBytes);
      setSeries(props.store.usage.add(key, Date.now(), n.cpuUsage * 100, used));
    };
    void sample();
    const timer = setInterval(() => void sample(), SAMPLE_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [key]);
  return html`<div class="charts">
    <${Chart}
      title="CPU busy"
      unit="%"
      times=${series.t}
      values=${series.cpu}
      format=${(v: number) => `${v.toFixed(0)}%`}
      minTop=${100}
    />
    <${Chart} title="Memory in use" unit="bytes" times=${series.t} values=${series.mem} format=${formatBytes} />
  </div>`;
}

export function NodePage(props: { api: Api; store: ClusterStore; id: string; scope: Scope }) {
  const { api, store, id } = props;
  const n = store.nodes.get(id) ?? store.nodeByName(id);
  if (n === undefined) return html`<p>${store.loaded ? `No node ${id}.` : 'Loading…'} <a href="#/">Overview</a></p>`;
  const tasks = [...store.tasks.values()]
    .filter((t) => t.nodeId === n.id && (t.state === 'Running' || t.state === 'Scheduled'))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const path = `/nodes/${encodeURIComponent(n.id)}`;
  const drained = n.availability === 'drain';
  const paused = n.availability === 'pause';
  const needsAdmin = `Draining needs an admin token (yours: ${props.scope}).`;
  // not Up: its load, what is booked there and the ports held there are as it was last heard from
  const old = reportIsOld(n);
  const asOf = old ? html`<${AsOf} at=${n.lastHeartbeat} />` : null;
  return html`<div>
    <h1>Node ${n.name}</h1>
    <dl class="facts">
      <dt>State</dt><dd><${State} value=${nodeStateText(n)} /><${AsOfLost} /></dd>
      <dt>Address</dt><dd class="mono">${n.url}</dd>
      <dt>Version</dt><dd>${n.version ?? 'not known (a worker older than versions)'}</dd>
      <dt>Host ID</dt><dd class="mono">${n.hostId ?? 'not known (a worker older than host ids)'}</dd>
      ${
        n.specFieldsUnread.length === 0
          ? null
          : html`<dt>Spec fields not read</dt>
              <dd>${n.specFieldsUnread.join(', ')} (upgrade its worker: tasks that set them go to other nodes)</dd>`
      }
      <dt>Last heartbeat</dt><dd>${n.lastHeartbeat === null ? 'never' : html`<${Ago} at=${n.lastHeartbeat} />`}</dd>
      <dt>Load (1 min)</dt>
      <dd class=${old ? 'stale' : ''}>${n.load1.toFixed(2)}${old ? ' ' : null}${asOf}</dd>
      <dt>Labels</dt><dd class="mono">${nodeLabelsText(n.labels, n.operatorLabels)}</dd>
      ${
        n.portsInUse.length === 0
          ? null
          : html`<dt>Host ports held outside Poseidon</dt>
              <dd class=${old ? 'ports stale' : 'ports'}>
                <span class="mono">${n.portsInUse.join(', ')}</span>${old ? ' ' : null}${asOf}
              </dd>`
      }
      ${n.conditions.map(
        (c) =>
          html`<dt>Condition</dt>
            <dd>${c}</dd>`,
      )}
    </dl>
    <${Section} title="Capacity">
      <${Bar} label="CPU allocated" used=${n.allocated.cpuCores} total=${n.capacity.cpuCores}
        text=${`${n.allocated.cpuCores.toFixed(1)} of ${n.capacity.cpuCores} cores`} stale=${old}>${asOf}</${Bar}>
      <${Bar} label="Memory allocated" used=${n.allocated.memoryBytes} total=${n.capacity.memoryBytes}
        text=${`${formatBytes(n.allocated.memoryBytes)} of ${formatBytes(n.capacity.memoryBytes)}`} stale=${old}
        >${asOf}</${Bar}>
      ${n.state === 'Up' ? null : html`<p>${`Usage is sampled while the node is Up (it is ${n.state}).`}</p>`}
      <${UsageOverTime} store=${store} id=${n.id} />
    </${Section}>
    <${Section} title="Availability">
      ${
        props.scope !== 'admin'
          ? // one text: a line break the template's formatting puts in a sentence would be lost there
            html`<p>${`${drained ? 'Drained.' : paused ? 'Paused.' : 'Active.'} ${needsAdmin}`}</p>`
          : drained || paused
            ? html`<p>
                  ${
                    drained
                      ? 'Drained: nothing new is placed here and its tasks move elsewhere.'
                      : 'Paused: nothing new is placed here; its tasks stay.'
                  }
                </p>
                <${ConfirmAction}
                  label="Activate"
                  question=${`Let ${n.name} take new work again?`}
                  run=${async () => {
                    await api.call('POST', `${path}/activate`, (v) => nodeView(v));
                    await store.refreshNodes();
                    return `${n.name} is active`;
                  }}
                />`
            : html`<p>
                  ${`Active: it takes new work${n.state === 'Up' ? '' : ` once it is Up again (it is ${n.state})`}.`}
                </p>
                <${ConfirmAction}
                  label="Drain"
                  danger=${true}
                  question=${
                    `Drain ${n.name}? Nothing new goes there; its ${n.taskCount} tasks move elsewhere (service ` +
                    `replicas start elsewhere first).`
                  }
                  run=${async () => {
                    await api.call('POST', `${path}/drain`, (v) => nodeView(v));
                    await store.refreshNodes();
                    return `${n.name} drained`;
                  }}
                />`
      }
    </${Section}>
    <${Section} title=${`Tasks (${tasks.length})`} id="node-tasks">
      <ul class="task-list">${tasks.map(
        (t) => html`<li key=${t.id}><a href=${link(`tasks/${t.id}`)}>${t.name}</a> <${State} value=${t.state} /></li>`,
      )}</ul>
    </${Section}>
  </div>`;
}
