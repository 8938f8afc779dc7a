import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ignore, type Api } from '../api.js';
import type { ClusterStore } from '../cluster-store.js';
import { isGlobalMode, isJobMode, jobCounts } from '../../api/service-modes.js';
import { endpoints, obj, serviceView, type EndpointView, type Scope, type ServiceMode } from '../decode.js';
import { healthText } from '../../task/health-text.js';
import { MountsTable } from './files.js';
import { age, ConfirmAction, errorText, link, mayDeploy, NeverPlaced, Section, State, TableBox } from './parts.js';
import { Ago } from './ago.js';
import { choiceHash } from '../task-filter.js';
import { AsOfLost } from './as-of.js';

/**
 * Replicas (and endpoints) listed at most, by slot: the actions below stay in reach of a service of
 * hundreds, and one further down is found by its name on the overview.
 */
const REPLICA_ROWS = 50;

function Endpoints(props: { api: Api; name: string; signature: string }) {
  const [list, setList] = useState<EndpointView[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    props.api.get(`/services/${encodeURIComponent(props.name)}/endpoints`, endpoints).then(
      (e) => live && (setList(e), setError('')),
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [props.name, props.signature]);
  if (error !== '') return html`<p role="alert">${error}</p>`;
  if (list === null) return html`<p>Loading endpoints…</p>`;
  if (list.length === 0) return html`<p>No endpoints.</p>`;
  return html`<ul class="endpoints">
      ${list
        .slice(0, REPLICA_ROWS)
        .map(
          (e) =>
            html`<li key=${e.taskId}>
              slot ${e.slot}: <${State} value=${e.state} /> ${e.address ?? 'no address'} on ${e.node ?? '-'}
            </li>`,
        )}
    </ul>
    ${list.length > REPLICA_ROWS ? html`<p class="more">${`and ${list.length - REPLICA_ROWS} more.`}</p>` : null}`;
}

function Actions(props: { api: Api; store: ClusterStore; name: string; replicas: number; mode: ServiceMode }) {
  const { api, store, name } = props;
  const job = isJobMode(props.mode);
  const unit = job ? 'completions' : 'replicas';
  const path = `/services/${encodeURIComponent(name)}`;
  const [replicas, setReplicas] = useState(String(props.replicas));
  const [image, setImage] = useState('');
  const wanted = Number(replicas);
  const validReplicas = /^\d{1,5}$/.test(replicas) && wanted <= 10_000;
  return html`<div class="actions">
    ${
      // the manager scales no global service: its nodes say how many replicas it has
      isGlobalMode(props.mode)
        ? html`<p>
            ${job ? 'Global job: one task' : 'Global: one replica'} on each node that meets its constraints, so it is
            not scaled.
          </p>`
        : html`<div class="action-row">
            <label for="scale-replicas">${job ? 'Completions' : 'Replicas'}</label>
            <input
              id="scale-replicas"
              type="number"
              min="0"
              max="10000"
              value=${replicas}
              onInput=${(e: Event) => setReplicas((e.currentTarget as HTMLInputElement).value)}
            />
            <${ConfirmAction}
              label="Scale"
              disabled=${!validReplicas}
              question=${`Scale ${name} to ${replicas} ${unit}?`}
              run=${async () => {
                await api.call('POST', `${path}/scale`, serviceView, { replicas: wanted });
                await store.refreshService(name);
                return `${name} scaled to ${wanted}`;
              }}
            />
          </div>`
    }
    <div class="action-row">
      <label for="update-image">Image</label>
      <input
        id="update-image"
        type="text"
        maxlength="512"
        placeholder="poseidon/busybox:latest"
        value=${image}
        onInput=${(e: Event) => setImage((e.currentTarget as HTMLInputElement).value.trim())}
      />
      <${ConfirmAction}
        label="Update image"
        disabled=${image === ''}
        question=${job ? `Run ${name} again with image ${image}?` : `Roll ${name} out with image ${image}?`}
        run=${async () => {
          const spec = await api.get(path, (v) => obj(obj(v, 'service').spec, 'spec'));
          const task = obj(spec.task, 'spec.task');
          // a job's view has no update or rollback block: its spec goes back as shown
          await api.call('PUT', path, serviceView, { ...spec, task: { ...task, image } });
          await store.refreshService(name);
          return job ? `${name} runs again with ${image}` : `${name} is rolling out ${image}`;
        }}
      />
    </div>
    <div class="action-row">
      ${
        // a job has no previous version to go back to: an update runs it again
        job
          ? null
          : html`<${ConfirmAction}
              label="Roll back"
              question=${`Roll ${name} back to its previous version?`}
              run=${async () => {
                await api.call('POST', `${path}/rollback`, serviceView);
                await store.refreshService(name);
                return `${name} is rolling back`;
              }}
            />`
      }
      <${ConfirmAction}
        label="Remove service"
        danger=${true}
        question=${`Remove ${name}? Every replica stops.`}
        run=${async () => {
          await api.call('DELETE', path, ignore);
          location.hash = '#/';
          return `${name} removed`;
        }}
      />
    </div>
  </div>`;
}

const ONE_A_NODE = 'one on each node that meets its constraints';
/** What the summary says first of each mode. */
const MODE_WORDS: Readonly<Record<ServiceMode, string>> = {
  replicated: '',
  global: 'Global, ',
  'replicated-job': 'Replicated job, ',
  'global-job': 'Global job, ',
};

export function ServicePage(props: { api: Api; store: ClusterStore; name: string; scope: Scope }) {
  const { store, name } = props;
  const service = store.services.get(name);
  if (service === undefined)
    return html`<p>${store.loaded ? `No service named ${name}.` : 'Loading…'} <a href="#/">Overview</a></p>`;
  const tasks = [...store.tasks.values()]
    .filter((t) => t.service === name && (t.desiredState === 'running' || t.state === 'Running'))
    .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || (a.version ?? 0) - (b.version ?? 0));
  const signature = tasks.map((t) => `${t.id}:${t.state}:${t.health}:${t.desiredState}`).join(',');
  const u = service.update;
  const j = service.job;
  const global = isGlobalMode(service.mode);
  const job = isJobMode(service.mode);
  return html`<div>
    <h1>Service ${name}</h1>
    <p class="summary">
      ${MODE_WORDS[service.mode]}<span class="replicas">${
        job ? `${service.running} running` : `${service.healthy}/${service.replicas} healthy`
      }</span>${global ? ` (${ONE_A_NODE})` : ''}, version ${service.version}, image <span class="mono">${
        service.image
      }</span><${AsOfLost} />
    </p>
    ${
      j === null
        ? null
        : html`<${Section} title="Job">
          <p><${State} value=${j.state} /> ${jobCounts(j)}${
            j.finishedAt === null ? '' : html` (ended <${Ago} at=${j.finishedAt} />)`
          }</p>
          <progress max=${j.total} value=${j.completed} aria-label="Job progress">${j.completed}/${j.total}</progress>
        </${Section}>`
    }
    ${
      u === null
        ? null
        : html`<${Section} title="Rollout">
          <p>
            <${State} value=${u.state} />
            ${` version ${u.fromVersion} → ${u.toVersion}: ${u.updated} of ${u.total} replicas done`}
            ${u.reason === '' ? '' : ` (${u.reason})`}
          </p>
          <progress max=${u.total} value=${u.updated} aria-label="Rollout progress">${u.updated}/${u.total}</progress>
        </${Section}>`
    }
    <${Section} title="Replicas by slot">
      <${TableBox} label="Replicas table"><table>
        <thead><tr><th scope="col">Slot</th><th scope="col">Task</th><th scope="col">Version</th>
          <th scope="col">State</th><th scope="col">Health</th><th scope="col">Node</th></tr></thead>
        <tbody>${tasks.slice(0, REPLICA_ROWS).map(
          (t) =>
            html`<tr key=${t.id}>
              <td>${t.slot}</td>
              <th scope="row">
                <a href=${link(`tasks/${t.id}`)}>${t.name}</a> ${t.desiredState === 'stopped' ? ' (stopping)' : ''}
              </th>
              <td>${t.version}</td>
              <td><${State} value=${t.state} /> <${NeverPlaced} task=${t} /></td>
              <td>${healthText(t, t.health)}</td>
              <td class="node">${t.node ?? '-'}</td>
            </tr>`,
        )}</tbody>
      </table></${TableBox}>
      ${
        tasks.length > REPLICA_ROWS
          ? html`<p class="more">
              ${`Showing the first ${REPLICA_ROWS} of ${tasks.length} replicas by slot: `}
              <a href=${choiceHash({ state: 'all', query: `${name}-` })}>find one by its name on the overview</a>.
            </p>`
          : null
      }
    </${Section}>
    <${Section} title="Secrets and configs its replicas mount" id="service-files">
      <${MountsTable} files=${service.files} whose="each replica" />
    </${Section}>
    <${Section} title="Endpoints"><${Endpoints} api=${props.api} name=${name} signature=${signature} /></${Section}>
    <${Section} title="Actions">
      ${
        mayDeploy(props.scope)
          ? html`<${Actions}
              api=${props.api}
              store=${store}
              name=${name}
              replicas=${service.replicas}
              mode=${service.mode}
            />`
          : html`<p>
              Your token (scope ${props.scope}) may only look; scaling, updating and removing need a deploy token.
            </p>`
      }
    </${Section}>
  </div>`;
}
