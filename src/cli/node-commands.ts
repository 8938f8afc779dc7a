import type { Command } from 'commander';
import type { NodeUpdateFlags } from './node-update.js';
import { collect } from './repeatable.js';
import type { NodeFlags } from './status-action.js';

// `poseidon node …`: names, flags and help only; each action loads status-action.ts when it runs
// (see commands.ts on why definitions stay light).

type WithManager = (cmd: Command) => Command;

/** Adds `node` (and `node ls`), `node inspect`, `node update`, `node rm`, `node drain` and `node activate`. */
export function registerNode(program: Command, withManager: WithManager): void {
  const node = withManager(program.command('node'))
    .description('list the nodes of the cluster (or inspect, update, drain, activate or remove one)')
    .option('--json', 'print JSON')
    .action(async (flags: NodeFlags) => {
      const { showNodes } = await import('./status-action.js');
      await showNodes(flags);
    });
  // --manager, --token, --ca and --json are node's: the subcommands read them with their parent's
  node
    .command('ls')
    .description('list nodes: NAME, STATE (Up/Down; drained), ADDRESS, CPU, MEMORY, TASKS, LOAD, HEARTBEAT, VERSION')
    .action(async (_flags: unknown, cmd: Command) => {
      const { showNodes } = await import('./status-action.js');
      await showNodes(cmd.optsWithGlobals<NodeFlags>());
    });
  node
    .command('inspect')
    .description('show a node: its state, engine, labels, resources, held host ports, and the tasks on it')
    .argument('<node>', 'node name or id (or a unique id prefix)')
    .option('--json', 'print JSON')
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { inspectNode } = await import('./status-action.js');
      await inspectNode(nameOrId, cmd.optsWithGlobals<NodeFlags>());
    });
  node
    .command('update')
    .description(
      "set a node's labels (over its worker's --label; kept when it restarts) or availability, as docker node " +
        'update does; new placements match them, running tasks stay (admin)',
    )
    .argument('<node>', 'node name or id')
    .option('--label-add <key=value>', 'set a label (repeat)', collect)
    .option('--label-rm <key>', "remove a label, the worker's own too (repeat)", collect)
    .option(
      '--availability <active|pause|drain>',
      'drain: nothing new goes there, its tasks move; pause: nothing new, its tasks stay; active: it takes work',
    )
    .option('--json', 'print JSON')
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { updateNode } = await import('./node-update.js');
      await updateNode(nameOrId, cmd.optsWithGlobals<NodeUpdateFlags>());
    });
  node
    .command('rm')
    .description('remove a node now: its certificate is refused from now on, its tasks go elsewhere (admin)')
    .argument('<node>', 'node name or id')
    .option(
      '--dead',
      'the machine is gone (powered off, its containers with it): its exclusive tasks may run elsewhere',
    )
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { removeNode } = await import('./status-action.js');
      await removeNode(nameOrId, cmd.optsWithGlobals<NodeFlags>());
    });
  node
    .command('drain')
    .description(
      'drain a node: nothing new goes there, its tasks move elsewhere (replicas start elsewhere first) (admin)',
    )
    .argument('<node>', 'node name or id')
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { updateNode } = await import('./node-update.js');
      await updateNode(nameOrId, { ...cmd.optsWithGlobals<NodeFlags>(), availability: 'drain' });
    });
  node
    .command('activate')
    .description('let a drained node take work again (admin)')
    .argument('<node>', 'node name or id')
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { updateNode } = await import('./node-update.js');
      await updateNode(nameOrId, { ...cmd.optsWithGlobals<NodeFlags>(), availability: 'active' });
    });
}
