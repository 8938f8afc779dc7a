import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import type { ClusterStore } from '../cluster-store.js';
import { taskSpec, taskUsage, taskView, type Scope, type TaskView } from '../decode.js';
import { Chart } from './chart.js';
import { MountsTable } from './files.js';
import { Logs } from './task-logs.js';
import { StateHistory } from './task-history.js';
import { formatBytes } from '../../units/index.js';
import { age, ConfirmAction, errorText, link, mayDeploy, Reason, Section, State } from './parts.js';
import { specRows, type Row, type SpecFields } from '../../cli/spec-rows.js';
import { commandLine } from '../../task/command-line.js';
import { healthText } from '../../task/health-text.js';
import { labelsText } from '../../task/labels-text.js';
import { lastExitAddsToReason } from '../../task/last-exit.js';
import { stopEffect } from '../../task/stop-effect.js';
import { stopQuestion } from '../stop-question.js';
import { Ago } from './ago.js';
import { AsOfLost } from './as-of.js';

/** How often the charts sample the task's usage while its page is open (the manager keeps no history). */
const SAMPLE_MS = 5_000;

function Usage(props: { api: Api; store: ClusterStore; id: string; running: boolean }) {
  const key = `task:${props.id}`;
  const [series, setSeries] = useState(() => props.store.usage.get(key));
  const [error, setError] = useState('');
  useEffect(() => {
    setSeries(props.store.usage.get(key));
    if (!props.running) return;
    let live = true;
    const sample = async (): Promise<void> => {
      try {
        const u = await props.api.get(`/tasks/${encodeURIComponent(props.id)}/stats`, taskUsage);
        if (!live) return;
        setSeries(props.store.usage.add(key, Date.now(), u.cpu, u.memoryBytes));
        setError('');
      } catch (err) {
        if (live) setError(errorText(err));
      }
    };
    void sample();
    const timer = setInterval(() => void sample(), SAMPLE_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [key, props.running]);
  if (!props.running) return html`<p>Usage is sampled while the task runs.</p>`;
  return html`<div class="charts">
    ${error === '' ? null : html`<p role="alert">${error}</p>`}
    <${Chart}
      title="CPU"
      unit="cores"
      times=${series.t}
      values=${series.cpu}
      format=${(v: number) => `${v.toFixed(2)}`}
      minTop=${0.1}
    />
    <${Chart} title="Memory" unit="bytes" times=${series.t} values=${series.mem} format=${formatBytes} />
  </div>`;
}

/**
 * What the task runs: its id, image and command from the live view, and the rows `poseidon status
 * TASK` prints of its spec (env names only, never a value), fetched again when it changes state or
 * restarts; keyed by the task's id, it starts afresh for another task. Without them (fetching,
 * failed, or a manager older than `spec`) its cpu and memory reservations stand in for its
 * requests; a failure says so here, and the rest of the page stays.
 */
function Spec(props: { api: Api; task: TaskView }) {
  const t = props.task;
  const [spec, setSpec] = useState<SpecFields | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    props.api.get(`/tasks/${encodeURIComponent(t.id)}`, taskSpec).then(
      (s) => live && (setSpec(s), setError('')),
      (err: unknown) => live && setError(`The spec could not be fetched: ${errorText(err)}`),
    );
    return () => {
      live = false;
    };
  }, [t.id, t.state, t.restarts]);
  const rows: Row[] =
    spec === null
      ? [
          ['CPU', t.cpu === 0 ? 'no reservation' : `${t.cpu} cores`],
          ['Memory', t.memory === 0 ? 'no reservation' : formatBytes(t.memory)],
        ]
      : specRows(spec);
  return html`<div>
    <dl class="facts spec">
      <dt>Id</dt>
      <dd class="mono">${t.id}</dd>
      <dt>Image</dt>
      <dd class="mono">${t.image}</dd>
      <dt>Command</dt>
      <dd class="mono">${t.command.length === 0 ? '(image default)' : commandLine(t.command)}</dd>
      ${rows.map(
        ([label, value]) =>
          html`<dt>${label}</dt>
            <dd>${value}</dd>`,
      )}
      ${
        t.service === null
          ? null
          : html`<dt>Service</dt>
              <dd><a href=${link(`services/${t.service}`)}>${t.service}</a>, slot ${t.slot}, version ${t.version}</dd>`
      }
      <dt>Labels</dt>
      <dd class="mono">${labelsText(t.labels)}</dd>
      <dt>Submitted</dt>
      <dd>${t.submittedAt}</dd>
    </dl>
    ${error === '' ? null : html`<p role="alert">${error}</p>`}
  </div>`;
}

/**
 * Stop, for a deploy or admin token, confirmed first, where the manager would act on it (stopEffect,
 * its own rule): a stop is never undone by a restart policy; a service's replica is replaced (the
 * service keeps its count; once it has ended, where its service mounts a named volume). A task
 * that ended for good has nothing to stop, and a read token is told what it needs.
 */
function Actions(props: { api: Api; store: ClusterStore; task: TaskView; scope: Scope }) {
  const t = props.task;
  if (!mayDeploy(props.scope))
    return html`<p>Your token (scope ${props.scope}) may only look; stopping a task needs a deploy token.</p>`;
  if (t.desiredState === 'stopped')
    return html`<p>${t.state === 'Running' ? 'Stopping: asked to stop.' : 'Stopped: asked to stop.'}</p>`;
  const effect = stopEffect({ state: t.state, desired: t.desiredState, restartPlanned: t.restartAt !== null });
  if (effect === 'none')
    return html`<p>${`${t.state}, and its restart policy does not start it again: there is nothing to stop.`}</p>`;
  const ownData = t.service !== null && props.store.services.get(t.service)?.ownData === true;
  const question = stopQuestion({ name: t.name, service: t.service, effect, ownData });
  return html`<${ConfirmAction}
    label="Stop task"
    danger=${true}
    question=${question}
    run=${async () => {
      await props.api.call('DELETE', `/tasks/${encodeURIComponent(t.id)}`, taskView);
      return `${t.name} is stopping`;
    }}
  />`;
}

export function TaskPage(props: { api: Api; store: ClusterStore; id: string; scope: Scope }) {
  const { store, id } = props;
  const t = store.tasks.get(id);
  if (t === undefined) return html`<p>${store.loaded ? `No task ${id}.` : 'Loading…'} <a href="#/">Overview</a></p>`;
  return html`<div>
    <h1>Task ${t.name}</h1>
    <dl class="facts">
      <dt>State</dt><dd><${State} value=${t.state} /> (wanted ${t.desiredState})<${AsOfLost} /></dd>
      <dt>Reason</dt><dd class="reason"><${Reason} task=${t} withHint=${true} none="-" /></dd>
      <dt>Restarts</dt><dd>${t.restarts}</dd>
      ${
        t.lastExit === null || !lastExitAddsToReason(t)
          ? null
          : html`<dt>Last exit</dt>
              <dd class="reason">${t.lastExit.reason} (<${Ago} at=${t.lastExit.at} />)</dd>`
      }
      <dt>Health</dt><dd>${healthText(t, t.health)}</dd>
      <dt>Node</dt><dd>${t.nodeId === null ? '-' : html`<a href=${link(`nodes/${t.nodeId}`)}>${t.node}</a>`}</dd>
      ${
        t.exitCode === null
          ? null
          : html`<dt>Exit code</dt>
              <dd>${t.exitCode}</dd>`
      }
    </dl>
    <${Section} title="Actions" id="task-actions">
      <${Actions} api=${props.api} store=${store} task=${t} scope=${props.scope} />
    </${Section}>
    <${Section} title="Spec"><${Spec} key=${id} api=${props.api} task=${t} /></${Section}>
    <${Section} title="Secrets and configs it mounts" id="task-files">
      <${MountsTable} files=${t.files} whose="the task" />
    </${Section}>
    <${Section} title="State history"><${StateHistory} key=${id} store=${store} task=${t} /></${Section}>
    <${Section} title="Usage">
      <${Usage} api=${props.api} store=${store} id=${id} running=${t.state === 'Running'} />
    </${Section}>
    <${Section} title="Logs"><${Logs} api=${props.api} task=${t} /></${Section}>
  </div>`;
}
