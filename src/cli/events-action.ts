import { setTimeout as sleep } from 'node:timers/promises';
import { readLines } from '../ndjson/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, printableJson } from './terminal-text.js';

/** A pause before following a group's events again, so a manager that ends streams at once is not asked in a loop. */
const AGAIN_MS = 500;

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
  service?: string;
  version?: number;
  replicas?: number;
  fromVersion?: number;
  toVersion?: number;
  updated?: number;
  total?: number;
}

/** `time  type  subject: what`, the subject a task, a node or a service. */
export function describe(e: EventLine): string {
  const time = e.time.slice(11, 23);
  if (e.taskId === undefined && e.service !== undefined)
    return printable(`${time}  ${e.type.padEnd(15)} ${ofService(e)}`);
  const subject = e.taskId !== undefined ? `${e.taskName ?? ''} (${e.taskId.slice(0, 8)})` : (e.node ?? '');
  const where = e.taskId !== undefined && e.node !== undefined ? ` on ${e.node}` : '';
  return printable(`${time}  ${e.type.padEnd(15)} ${subject}${where}${e.reason !== undefined ? `: ${e.reason}` : ''}`);
}

/** A service event: the service, its replicas or the rollout's versions and progress, and why. */
function ofService(e: EventLine): string {
  const parts: string[] = [];
  if (e.type.startsWith('update.') && e.fromVersion !== undefined && e.toVersion !== undefined)
    parts.push(`version ${e.fromVersion} → ${e.toVersion}`);
  if (e.type === 'update.progress' && e.updated !== undefined && e.total !== undefined)
    parts.push(`${e.updated}/${e.total} updated`);
  if (e.type.startsWith('service.') && e.replicas !== undefined)
    parts.push(`${e.replicas} replica${e.replicas === 1 ? '' : 's'}`);
  if (e.type === 'service.created' && e.version !== undefined) parts.push(`version ${e.version}`);
  // a rollout's reason is the same on each of its progress lines: said when it starts and ends
  if (e.reason !== undefined && e.type !== 'update.progress') parts.push(e.reason);
  return parts.length === 0 ? (e.service ?? '') : `${e.service ?? ''}: ${parts.join('; ')}`;
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
  const client = managerClient(flags);
  // given a group, the stream is followed again through the managers when one ends it (it stopped,
  // or the leader changed): an operator watching a failover sees what the new leader does
  const group = client.http.urls.length > 1;
  for (;;) {
    const events = await client.events(abort.signal);
    try {
      // Ctrl-C ends the lines quietly; a manager that goes away is an error
      for await (const line of readLines(events, abort.signal)) {
        const safe = printableJson(line); // a raw control character is neither printed nor bad JSON
        process.stdout.write(flags.json === true ? `${safe}\n` : `${lineFor(safe)}\n`);
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      if (!group) throw err;
    }
    if (abort.signal.aborted) return;
    if (!group) {
      // the manager ended the stream itself: it stops (SIGTERM)
      process.stderr.write(
        'poseidon: the manager ended the event stream (it is stopping); run poseidon events again\n',
      );
      process.exitCode = 1;
      return;
    }
    process.stderr.write(
      'poseidon: the event stream ended (a manager stopped, or the leader changed); following again ' +
        '(events in between are not shown)\n',
    );
    try {
      await sleep(AGAIN_MS, undefined, { signal: abort.signal });
    } catch {
      return;
    }
  }
}
