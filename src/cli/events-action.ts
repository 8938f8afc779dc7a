import { readLines } from '../ndjson/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';

export interface EventsFlags extends ClientFlags {
  json?: boolean;
}

interface EventLine {
  time: string;
  type: string;
  taskId?: string;
  taskName?: string;
  node?: string;
  state?: string;
  reason?: string;
}

function describe(e: EventLine): string {
  const time = e.time.slice(11, 23);
  const subject = e.taskId !== undefined ? `${e.taskName ?? ''} (${e.taskId.slice(0, 8)})` : (e.node ?? '');
  const where = e.taskId !== undefined && e.node !== undefined ? ` on ${e.node}` : '';
  return `${time}  ${e.type.padEnd(15)} ${subject}${where}${e.reason !== undefined ? `: ${e.reason}` : ''}`;
}

/** `poseidon events`: the manager's event stream as lines for people, or as it comes with --json. */
export async function printEvents(flags: EventsFlags): Promise<void> {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const events = await managerClient(flags).events(abort.signal);
  // Ctrl-C ends the lines quietly; a manager that goes away is an error
  for await (const line of readLines(events, abort.signal)) {
    process.stdout.write(flags.json === true ? `${line}\n` : `${describe(JSON.parse(line) as EventLine)}\n`);
  }
}
