import type { Command } from 'commander';
import type { EventsFlags } from './events-action.js';
import { withManager } from './manager-option.js';

export function registerEvents(program: Command): void {
  withManager(program.command('events'))
    .description('print task and node events as they happen')
    .option('--json', 'one JSON object per line')
    .action(async (flags: EventsFlags) => {
      const { printEvents } = await import('./events-action.js');
      await printEvents(flags);
    });
}
