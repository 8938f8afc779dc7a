import type { Command } from 'commander';
import { managerClient, withManager } from './client-options.js';
import { nodeTable, taskDetail, taskTable } from './format.js';

export function registerStatus(program: Command): void {
  withManager(program.command('status'))
    .description('list tasks (or show one, by id or unique id prefix)')
    .argument('[id]', 'task id or unique prefix')
    .option('--state <state>', 'only tasks in this state')
    .option('--node <name>', 'only tasks on this node')
    .option('--json', 'print JSON')
    .action(
      async (id: string | undefined, flags: { manager?: string; json?: boolean; state?: string; node?: string }) => {
        const client = managerClient(flags);
        if (id !== undefined) {
          const task = await client.getTask(id);
          if (flags.json === true) {
            process.stdout.write(`${JSON.stringify(task, null, 2)}\n`);
            return;
          }
          const usage = task.state === 'Running' ? await client.taskStats(task.id).catch(() => null) : null;
          process.stdout.write(`${taskDetail(task, Date.now(), usage)}\n`);
          return;
        }
        const filter = {
          ...(flags.state === undefined ? {} : { state: flags.state }),
          ...(flags.node === undefined ? {} : { node: flags.node }),
        };
        const tasks = await client.listTasks(filter);
        if (flags.json === true) process.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
        else process.stdout.write(tasks.length === 0 ? 'no tasks\n' : `${taskTable(tasks, Date.now())}\n`);
      },
    );

  withManager(program.command('stop'))
    .description('stop a task (by id or unique id prefix); it is never restarted')
    .argument('<id>', 'task id or unique prefix')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { manager?: string; json?: boolean }) => {
      const task = await managerClient(flags).stopTask(id);
      process.stdout.write(flags.json === true ? `${JSON.stringify(task, null, 2)}\n` : `${task.id} stopping\n`);
    });

  withManager(program.command('node'))
    .description('list the nodes of the cluster')
    .option('--json', 'print JSON')
    .action(async (flags: { manager?: string; json?: boolean }) => {
      const nodes = await managerClient(flags).listNodes();
      if (flags.json === true) process.stdout.write(`${JSON.stringify(nodes, null, 2)}\n`);
      else process.stdout.write(nodes.length === 0 ? 'no nodes have joined\n' : `${nodeTable(nodes, Date.now())}\n`);
    });
}
