// A task no node could ever hold (its request above every node's whole capacity, a constraint no
// node meets, ...) waits until someone acts, however long a wait waits: a wait says so at once,
// with what to do. The manager says so by a field of the task (unplaceable), never by words a wait
// would have to read; an older manager, without it, leaves the wait as it was.
// The web console bundles this module: it loads nothing, and its types are the fields read here
// (a ManagerTaskView, or the console's TaskView, is one), not src/api's.

/** Why no node could ever hold a task, and what keeps the most nodes out (src/api's UnplaceableView). */
export interface UnplaceableView {
  reason: string;
  cause: string;
}

/** The fields of a task read here; `unplaceable` is absent (or null in the console) when it can be placed. */
interface TaskFields {
  state: string;
  desiredState: string;
  reason: string;
  unplaceable?: UnplaceableView | null;
}

/** Why the task can never be placed as the cluster is, while it is Pending and wanted running; else undefined. */
export function unplaceableOf(t: Omit<TaskFields, 'reason'>): UnplaceableView | undefined {
  return t.state === 'Pending' && t.desiredState === 'running' ? (t.unplaceable ?? undefined) : undefined;
}

/**
 * The reason a table shows: why no node could ever hold it ("0/2 nodes could ever hold it: ..."),
 * while that is so, rather than its plain reason ("0/2 nodes can hold it: ..."); else its reason.
 */
export function reasonText(t: TaskFields): string {
  return unplaceableOf(t)?.reason ?? t.reason;
}

/** The reason a task's detail shows: with what to do, while no node could ever hold it. */
export function reasonDetail(t: TaskFields): string {
  const u = unplaceableOf(t);
  return u === undefined ? t.reason : unplaceableText(u);
}

/** What to do, by what keeps the most nodes out (UnplaceableView.cause). */
const HINTS: Readonly<Record<string, string>> = {
  memory: 'lower --memory, or add a node that has that much',
  cpu: 'lower --cpu, or add a node with that many cores',
  disk: 'ask for less disk, or add a node that has that much',
  constraints:
    'give a node the label it asks for (poseidon node update --label-add KEY=VALUE NODE; poseidon node ls shows each ' +
    "node's labels), or change --constraint",
  capabilities: 'start a worker that allows the capability (poseidon worker --allow-cap), or drop --cap-add',
  'host-paths': 'start a worker that allows the directory (poseidon worker --allow-host-path), or mount another',
  'spec-fields': 'upgrade the workers too old for it (poseidon node ls shows their versions)',
  'volume-home': 'bring back the node that holds its volume, or make room there (poseidon node ls)',
  'node-up':
    'bring its nodes back, or let them take work again (poseidon node update --availability active NODE; ' +
    'poseidon node ls)',
};

/** "0/2 nodes could ever hold it: ...; lower --memory, or add a node that has that much". */
export function unplaceableText(u: UnplaceableView): string {
  return `${u.reason}; ${HINTS[u.cause] ?? 'poseidon node ls shows what each node has'}`;
}

/**
 * The web console's words for a task no node could ever hold, marked so beside plain reasons:
 * "can never be placed: 0/2 nodes could ever hold it: ..." (with what to do, `withHint`, as a
 * task's page shows it); undefined while it can be placed, or is not wanted running.
 */
export function neverPlacedText(t: Omit<TaskFields, 'reason'>, withHint = false): string | undefined {
  const u = unplaceableOf(t);
  if (u === undefined) return undefined;
  return `can never be placed: ${withHint ? unplaceableText(u) : u.reason}`;
}
