import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterTaskUsageView, ClusterUsageView } from '../api/index.js';
import { InvalidField } from '../errors/index.js';
import { formatBytes } from '../units/index.js';
import { table } from './format.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, printableJson } from './terminal-text.js';

// `poseidon stats [TASK|SERVICE...]`: what each running task uses, wherever it runs, as `docker
// stats` shows a host's containers: redrawn every couple of seconds at a terminal (a table after
// another elsewhere), once with --no-stream.

export type StatsFlags = ClientFlags & { stream?: boolean; json?: boolean };

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

/** `NAME  ID  NODE  CPU %  MEM USAGE / LIMIT  MEM %`, as `docker stats` lays them out. */
export function statsTable(tasks: readonly ClusterTaskUsageView[]): string {
  return table(
    ['NAME', 'ID', 'NODE', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %'],
    tasks.map((t) => [
      t.name,
      t.id.slice(0, 8),
      t.node,
      `${(t.cpu * 100).toFixed(2)}%`,
      `${formatBytes(t.memoryBytes)} / ${t.memoryLimitBytes > 0 ? formatBytes(t.memoryLimitBytes) : '-'}`,
      t.memoryLimitBytes > 0 ? `${((100 * t.memoryBytes) / t.memoryLimitBytes).toFixed(2)}%` : '-',
    ]),
  );
}

export async function printStats(names: readonly string[], flags: StatsFlags): Promise<void> {
  const client = managerClient(flags);
  const stream = flags.stream !== false;
  const abort = new AbortController();
  if (stream) process.once('SIGINT', () => abort.abort());
  const redraw = stream && flags.json !== true && process.stdout.isTTY;
  let said = '';
  for (let first = true; ; first = false) {
    const askedAt = Date.now();
    const usage: ClusterUsageView = await client.clusterStats();
    const shown = pick(usage.tasks, names);
    if (first && names.length > 0) {
      const matched = (n: string): boolean => shown.some((t) => pick([t], [n]).length > 0);
      const none = names.filter((n) => !matched(n));
      if (none.length > 0 && usage.unanswered.length === 0)
        throw new InvalidField(
          none.map((n) => `"${printable(n)}"`).join(', '),
          `${none.length === 1 ? 'matches' : 'match'} no running task or service`,
        );
    }
    // a node that did not answer is said once, and again when what is said changes
    const notes = usage.unanswered.map(
      (u) => `poseidon: node ${printable(u.node)} did not answer: ${printable(u.reason)}\n`,
    );
    if (notes.join('') !== said) process.stderr.write(notes.join(''));
    said = notes.join('');
    if (flags.json === true)
      process.stdout.write(`${printableJson(JSON.stringify({ tasks: shown, unanswered: usage.unanswered }))}\n`);
    else process.stdout.write(`${redraw ? REDRAW : first ? '' : '\n'}${statsTable(shown)}\n`);
    if (!stream) return;
    try {
      // a sample takes the engine about a second: the next is asked for EVERY_MS after this one was
      await sleep(Math.max(0, askedAt + EVERY_MS - Date.now()), undefined, { signal: abort.signal });
    } catch {
      return; // Ctrl-C: the last table stays on the screen
    }
  }
}
