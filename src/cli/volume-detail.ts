import type { VolumeDetailView } from '../api/index.js';
import { age, detail, table } from './format.js';

// `poseidon volume inspect NAME` for people: what `volume ls` shows of it, then each task that
// mounts it, whose replica it is and where it runs, as `node inspect` lists a node's tasks.
// Scripts use --json (the view as it comes).

/** "service db (2 replicas), 1 task", or "nothing (poseidon volume rm data removes it, with its data)". */
function usedBy(v: VolumeDetailView): string {
  const replicas = new Map<string, number>();
  let plain = 0;
  for (const u of v.users) {
    if (u.service === undefined) plain += 1;
    else replicas.set(u.service, (replicas.get(u.service) ?? 0) + 1);
  }
  const parts = [...replicas].map(([name, n]) => `service ${name} (${n} ${n === 1 ? 'replica' : 'replicas'})`);
  if (plain > 0) parts.push(`${plain} ${plain === 1 ? 'task' : 'tasks'}`);
  return parts.length === 0 ? `nothing (poseidon volume rm ${v.name} removes it, with its data)` : parts.join(', ');
}

export function volumeDetail(v: VolumeDetailView, nowMs: number): string {
  const rows: Array<[string, string]> = [
    ['Name', v.name],
    ['Node', v.node === v.nodeId ? `${v.nodeId} (a node the manager does not know)` : `${v.node} (${v.nodeId})`],
    ['Created', `${v.createdAt} (${age(v.createdAt, nowMs)} ago)`],
    ['Used by', usedBy(v)],
  ];
  if (v.users.length === 0) return detail(rows);
  const tasks = table(
    ['TASK', 'NAME', 'SERVICE', 'SLOT', 'STATE', 'NODE'],
    v.users.map((u) => [
      u.id.slice(0, 8),
      u.name,
      u.service ?? '-',
      u.slot === undefined ? '-' : String(u.slot),
      u.state,
      u.node ?? '-',
    ]),
  );
  return `${detail(rows)}\n\n${tasks}`;
}
