import type { Command } from 'commander';
import type { LogsFlags } from './logs-action.js';
import { withManager } from './manager-option.js';

export function registerLogs(program: Command): void {
  withManager(program.command('logs'))
    .description("print a task's container output (stdout and stderr), from whichever worker runs it")
    .argument('<id>', 'task id or unique prefix')
    .option('-f, --follow', 'keep printing new output until interrupted')
    .option('--tail <n>', 'only the last n lines')
    .action(async (id: string, flags: LogsFlags) => {
      const { printLogs } = await import('./logs-action.js');
      await printLogs(id, flags);
    });
}
