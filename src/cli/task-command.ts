import type { Command } from 'commander';
import type { TaskFlags } from './task-action.js';
import { withManager } from './manager-option.js';

// `task` and `run`: the flags here, the submission in task-action.ts, loaded when one runs.

export function registerTask(program: Command): void {
  const add = (cmd: Command): Command =>
    withManager(cmd)
      .option('--wait', 'wait until the task is Running (exit 1 if it fails)')
      .option('--timeout <duration>', 'how long --wait waits', '60s')
      .option('--json', 'print the task as JSON');
  add(
    program
      .command('task')
      .description('submit a task from a JSON file (native spec or seed TaskEvent) and print its id'),
  )
    .requiredOption('-f, --filename <file>', 'task file')
    .action(async (flags: TaskFlags) => {
      const { submitTask } = await import('./task-action.js');
      await submitTask(flags.filename ?? '', flags);
    });
  add(program.command('run').description('same as `task --filename FILE`').argument('<file>', 'task file')).action(
    async (file: string, flags: TaskFlags) => {
      const { submitTask } = await import('./task-action.js');
      await submitTask(file, flags);
    },
  );
}
