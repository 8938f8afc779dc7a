import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterTaskUsageView, ClusterUsageView } from '../api/index.js';
import { InvalidField, notFoundHint } from '../errors/index.js';
import { formatBytes } from '../units/index.js';
import { STDIO, type Output } from './each-name.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { formatField, rowFormat, type FormatField, type RowFormat } from './row-format.js';
import { printable, printableJson } from './terminal-text.js';

// `poseidon stats [TASK|SERVICE...]`: what each running task uses, wherever it runs, as `docker
// stats` shows a host's containers: redrawn every couple of seconds at a terminal (a table after
// another elsewhere), once with --no-stream; --format as docker stats takes it.

/** `trunc`: false with `--no-trunc` (commander's), whole task ids, as `docker stats --no-trunc`. */
export type StatsFlags = ClientFlags & { stream?: boolean; json?: boolean; format?: string; trunc?: boolean };

/** How often a sample is asked for while streaming (the engine's own stats take about a second). */
const EVERY_MS = 2_000;
/** Moves to the top left of the terminal and clears it. */
const REDRAW = '\x1b[H\x1b[2J';

/** The tasks `names` asks for: each a task's id, unique id prefix or name, or a service's name; all when none. */
export function pick(tasks: readonly ClusterTaskUsageView[], names: readonly string[]): ClusterTaskUsageView[] {
  if (names.length === 0) return [...tasks];
  return tasks.filter((t) =>
    names.some((n) => t.name === n || t.service === n || (n.length >= 4 && t.id.startsWith(n))),
  );
}

/**
 * Each name matches a running task or service; else the refusal names those that match none, and
 * for one, the running name a typo away, and how to list them.
 */
export function checkMatched(tasks: readonly ClusterTaskUsageView[], names: readonly string[]): void {
  const none = names.filter((n) => pick(tasks, [n]).length === 0);
  if (none.length === 0) return;
  const running = tasks.flatMap((t) => (t.service === undefined ? [t.name] : [t.name, t.service]));
  const list = 'poseidon stats lists the running ones';
  throw new InvalidField(
    none.map((n) => `"${printable(n)}"`).join(', '),
    `${none.length === 1 ? 'matches' : 'match'} no running task or service` +
      (none.length === 1 ? notFoundHint(none[0] ?? '', running, list) : `; ${list}`),
  );
}

type Usage = ClusterTaskUsageView;
const field = formatField<Usage>;

/** What `--format` may show of a task, under docker stats' names (Container: the name, as one is named here). */
export const STATS_FIELDS: readonly FormatField<Usage>[] = [
  field('Name', 'NAME', (t) => t.name),
  field('Container', 'CONTAINER', (t) => t.name),
  field('ID', 'ID', (t) => t.id.slice(0, 8)), // whole with --no-trunc (statsFormat)
  field('Node', 'NODE', (t) => t.node),
  field('Service', 'SERVICE', (t) => t.service ?? ''),
  field('CPUPerc', 'CPU %', (t) => `${(t.cpu * 100).toFixed(2)}%`),
  field(
    'MemUsage',
    'MEM USAGE / LIMIT',
    (t) => `${formatBytes(t.memoryBytes)} / ${t.memoryLimitBytes > 0 ? formatBytes(t.memoryLimitBytes) : '-'}`,
  ),
  field('MemPerc', 'MEM %', (t) =>
    t.memoryLimitBytes > 0 ? `${((100 * t.memoryBytes) / t.memoryLimitBytes).toFixed(2)}%` : '-',
  ),
];

/** `NAME  ID  NODE  CPU %  MEM USAGE / LIMIT  MEM %`, as `docker stats` lays them out (`--format table`). */
const STATS_TABLE = 'table {{.Name}}\t{{.ID}}\t{{.Node}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}';

/** `--format`'s value read, or the table; refused naming what is wrong before the manager is asked. */
export function statsFormat(format: string | undefined, noTrunc = false): RowFormat<Usage> {
  const fields = noTrunc
    ? STATS_FIELDS.map((f) => (f.name === 'ID' ? field('ID', 'ID', (t) => t.id) : f))
    : STATS_FIELDS;
  return rowFormat(format ?? 'table', fields, STATS_TABLE);
}

/** The default table, without its last newline. */
export function statsTable(tasks: readonly ClusterTaskUsageView[]): string {
  return statsFormat(undefined).print(tasks).slice(0, -1);
}

export async function printStats(names: readonly string[], flags: StatsFlags, io: Output = STDIO): Promise<void> {
  if (flags.json === true && flags.format !== undefined)
    throw new InvalidField(
      '--json',
      'and --format both say how to print: give one (--format json prints a line a task)',
    );
  const format = statsFormat(flags.format, flags.trunc === false);
  const client = managerClient(flags);
  const stream = flags.stream !== false;
  const abort = new AbortController();
  if (stream) process.once('SIGINT', () => abort.abort());
  // drawn over the last sample at a terminal, as docker's; JSON lines are printed as they come
  const redraw = stream && flags.json !== true && flags.format !== 'json' && process.stdout.isTTY;
  const tables = flags.format === undefined || flags.format.startsWith('table'); // a blank line between two
  let said = '';
  for (let first = true; ; first = false) {
    const askedAt = Date.now();
    const usage: ClusterUsageView = await client.clusterStats();
    const shown = pick(usage.tasks, names);
    if (first && usage.unanswered.length === 0) checkMatched(usage.tasks, names);
    // a node that did not answer is said once, and again when what is said changes
    const notes = usage.unanswered.map(
      (u) => `poseidon: node ${printable(u.node)} did not answer: ${printable(u.reason)}\n`,
    );
    if (notes.join('') !== said) io.err(notes.join(''));
    said = notes.join('');
    if (flags.json === true)
      io.out(`${printableJson(JSON.stringify({ tasks: shown, unanswered: usage.unanswered }))}\n`);
    else io.out(`${redraw ? REDRAW : first || !tables ? '' : '\n'}${format.print(shown)}`);
    if (!stream) return;
    try {
      // a sample takes the engine about a second: the next is asked for EVERY_MS after this one was
      await sleep(Math.max(0, askedAt + EVERY_MS - Date.now()), undefined, { signal: abort.signal });
    } catch {
      return; // Ctrl-C: the last table stays on the screen
    }
  }
}
