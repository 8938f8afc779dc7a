import type { Command } from 'commander';
import type { NodeFlags, StatusFlags, StopFlags } from './status-action.js';
import { withManager } from './manager-option.js';

// `status`, `stop` and `node`: the flags here, what they do in status-action.ts, loaded when one runs.

export function registerStatus(program: Command): void {
  withManager(program.command('status'))
    .description('list tasks (or show one, by id or unique id prefix)')
    .argument('[id]', 'task id or unique prefix')
    .option('--state <state>', 'only tasks in this state')
    .option('--node <name>', 'only tasks on this node')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, flags: StatusFlags) => {
      const { showStatus } = await import('./status-action.js');
      await showStatus(id, flags);
    });

  withManager(program.command('stop'))
    .description('stop a task (by id or unique id prefix); it is never restarted')
    .argument('<id>', 'task id or unique prefix')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: StopFlags) => {
      const { stopTask } = await import('./status-action.js');
      await stopTask(id, flags);
    });

  withManager(program.command('node'))
    .description('list the nodes of the cluster')
    .option('--json', 'print JSON')
    .action(async (flags: NodeFlags) => {
      const { showNodes } = await import('./status-action.js');
      await showNodes(flags);
    });
}
