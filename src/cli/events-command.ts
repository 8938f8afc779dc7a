import type { Command } from 'commander';
import { readLines } from '../ndjson/index.js';
import { managerClient, withManager } from './client-options.js';

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

export function registerEvents(program: Command): void {
  withManager(program.command('events'))
    .description('print task and node events as they happen')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { manager?: string; json?: boolean }) => {
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const res = await managerClient(flags).events(abort.signal);
      if (res.body === null) return;
      // Ctrl-C ends the lines quietly; a manager that goes away is an error
      for await (const line of readLines(res.body, abort.signal)) {
        process.stdout.write(flags.json === true ? `${line}\n` : `${describe(JSON.parse(line) as EventLine)}\n`);
      }
    });
}
