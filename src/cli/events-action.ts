import { readLines } from '../ndjson/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, printableJson } from './terminal-text.js';

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
  return printable(`${time}  ${e.type.padEnd(15)} ${subject}${where}${e.reason !== undefined ? `: ${e.reason}` : ''}`);
}

/** One event for people; a line that is no event is shown as it came, escaped. */
function lineFor(json: string): string {
  try {
    return describe(JSON.parse(json) as EventLine);
  } catch {
    return printable(json);
  }
}

/** `poseidon events`: the manager's event stream as lines for people, or as it comes with --json. */
export async function printEvents(flags: EventsFlags): Promise<void> {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const events = await managerClient(flags).events(abort.signal);
  // Ctrl-C ends the lines quietly; a manager that goes away is an error
  for await (const line of readLines(events, abort.signal)) {
    const safe = printableJson(line); // a raw control character is neither printed nor bad JSON
    process.stdout.write(flags.json === true ? `${safe}\n` : `${lineFor(safe)}\n`);
  }
}
