import { nodeTable, taskDetail, taskTable } from './format.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, toJson } from './terminal-text.js';

export interface StatusFlags extends ClientFlags {
  json?: boolean;
  state?: string;
  node?: string;
}
export type StopFlags = ClientFlags & { json?: boolean };
export type NodeFlags = ClientFlags & { json?: boolean; dead?: boolean };

/** `poseidon status [id]`: the task list, or one task with its cpu and memory use. */
export async function showStatus(id: string | undefined, flags: StatusFlags): Promise<void> {
  const client = managerClient(flags);
  if (id !== undefined) {
    const task = await client.getTask(id);
    if (flags.json === true) {
      process.stdout.write(`${toJson(task)}\n`);
      return;
    }
    const usage = task.state === 'Running' ? await client.taskStats(task.id).catch(() => null) : null;
    process.stdout.write(`${taskDetail(task, Date.now(), usage)}\n`);
    return;
  }
  const filter = {
    ...(flags.state === undefined ? {} : { state: flags.state }),
    ...(flags.node === undefined ? {} : { node: flags.node }),
  };
  const tasks = await client.listTasks(filter);
  if (flags.json === true) process.stdout.write(`${toJson(tasks)}\n`);
  else process.stdout.write(tasks.length === 0 ? 'no tasks\n' : `${taskTable(tasks, Date.now())}\n`);
}

/** `poseidon stop <id>`. */
export async function stopTask(id: string, flags: StopFlags): Promise<void> {
  const task = await managerClient(flags).stopTask(id);
  process.stdout.write(flags.json === true ? `${toJson(task)}\n` : `${printable(task.id)} stopping\n`);
}

/** `poseidon node`. */
export async function showNodes(flags: NodeFlags): Promise<void> {
  const nodes = await managerClient(flags).listNodes();
  if (flags.json === true) process.stdout.write(`${toJson(nodes)}\n`);
  else process.stdout.write(nodes.length === 0 ? 'no nodes have joined\n' : `${nodeTable(nodes, Date.now())}\n`);
}

/** `poseidon node rm NODE`: the node is removed and its certificate refused from now on. */
export async function removeNode(nameOrId: string, flags: NodeFlags): Promise<void> {
  const removed = await managerClient(flags).removeNode(nameOrId, { dead: flags.dead === true });
  process.stdout.write(
    flags.json === true
      ? `${JSON.stringify(removed, null, 2)}\n`
      : `node ${removed.name} (${removed.nodeId}) removed; its certificate is refused from now on\n`,
  );
}
