import { html } from 'htm/preact';
import { fileKey, type ClusterStore } from '../cluster-store.js';
import type { FileView } from '../decode.js';
import { formatBytes } from '../../units/index.js';
import { age, link, TableBox } from './parts.js';
import { nodeLabelsText } from '../../task/constraint.js';
import { modeText, type TaskFile } from '../../task/file-limits.js';
import { Ago } from './ago.js';

// Secrets and configs: every one the cluster holds (overview), and what a task or a service's
// template mounts (their pages). Never a value: the API answers none for a secret, and a config's
// is not shown here either.

/**
 * What uses a file, as links, as the manager lists it: each service (its replicas left out there),
 * then each task. A task the page does not know is shown by its short id.
 */
function UsedBy(props: { store: ClusterStore; file: FileView }) {
  const { store } = props;
  const users = props.file.inUseBy.map((who) =>
    store.services.has(who)
      ? { href: link(`services/${who}`), text: `service ${who}` }
      : { href: link(`tasks/${who}`), text: `task ${store.tasks.get(who)?.name ?? who.slice(0, 8)}` },
  );
  if (users.length === 0) return '-';
  return html`${users.map((u, i) => [i === 0 ? null : ', ', html`<a href=${u.href}>${u.text}</a>`])}`;
}

export function FilesTable(props: { store: ClusterStore }) {
  const { store } = props;
  const files = [...store.files.values()].sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  if (files.length === 0) return html`<p>No secrets or configs.</p>`;
  return html`<${TableBox} label="Secrets and configs table">
    <table>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Size</th>
          <th scope="col">Created</th>
          <th scope="col">In use by</th>
          <th scope="col">Labels</th>
        </tr>
      </thead>
      <tbody>
        ${files.map(
          (f) =>
            html`<tr key=${fileKey(f)}>
              <th scope="row" class="mono">${f.name}</th>
              <td>${f.kind}</td>
              <td>${formatBytes(f.size)}</td>
              <td><${Ago} at=${f.createdAt} /></td>
              <td><${UsedBy} store=${store} file=${f} /></td>
              <td class="mono">${nodeLabelsText(f.labels)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </${TableBox}>`;
}

/** The secrets and configs a task or a service's template mounts: where, with which mode and owner. */
export function MountsTable(props: { files: readonly TaskFile[]; whose: string }) {
  if (props.files.length === 0) return html`<p>Mounts no secrets or configs.</p>`;
  return html`<${TableBox} label=${`Secrets and configs ${props.whose} mounts`}>
    <table class="mounts">
      <thead>
        <tr>
          <th scope="col">Source</th>
          <th scope="col">Kind</th>
          <th scope="col">Target</th>
          <th scope="col">Mode</th>
          <th scope="col">Owner (uid:gid)</th>
        </tr>
      </thead>
      <tbody>
        ${props.files.map(
          (f) =>
            html`<tr key=${f.target}>
              <th scope="row" class="mono">${f.source}</th>
              <td>${f.kind}</td>
              <td class="mono">${f.target}</td>
              <td class="mono">${modeText(f.mode)}</td>
              <td class="mono">${f.uid}:${f.gid}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </${TableBox}>`;
}
