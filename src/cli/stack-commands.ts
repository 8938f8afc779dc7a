import type { Command } from 'commander';
import type { DeployFlags } from './deploy-action.js';
import { answeringStackDeployFlags } from './docker-words.js';
import { collect } from './repeatable.js';
import type { StackFlags } from './stack-action.js';

// `poseidon deploy` and `poseidon stack …`: names, flags and help only; each action loads its
// module when it runs (see commands.ts on why definitions stay light).

type WithManager = (cmd: Command) => Command;
type DeployCommandFlags = Omit<DeployFlags, 'files'> & { file?: string[]; composeFile?: string[] };

/** `deploy -f FILE [--name STACK]`, and `docker stack deploy -c FILE STACK`'s spelling too. */
function deployCommand(cmd: Command): Command {
  return answeringStackDeployFlags(cmd)
    .description('deploy a Compose file as a stack of services: create what is new, update only what changed')
    .argument('[stack]', "the stack's name, as docker stack deploy takes it (or --name)")
    .option(
      '-f, --file <file>',
      'the Compose file (YAML or JSON; default compose.yaml or docker-compose.yml here); repeated, merged in order',
      collect,
    )
    .option('-c, --compose-file <file>', 'the same as --file, as docker stack deploy spells it', collect)
    .option('--name <stack>', "the stack's name (default the file's name: key, else its directory's name)")
    .option('--prune', "remove the stack's services the file no longer has")
    .option('--dry-run', 'print what would be created, updated and removed, and the warnings; change nothing')
    .option(
      '--wait',
      "show each replica until the stack's new and changed services are healthy and their rollouts done",
    )
    .option('--timeout <duration>', 'how long --wait waits', '10m')
    .option('--json', 'print JSON')
    .action(async (stack: string | undefined, given: DeployCommandFlags, cmd: Command) => {
      const { composeFile, file, ...flags } = given;
      // commander keeps no order between two flags: merged files are named by one of them
      if (file !== undefined && composeFile !== undefined)
        cmd.error('error: both -f and -c: name every Compose file with one of them (-c base.yml -c prod.yml)');
      if (stack !== undefined && flags.name !== undefined && stack !== flags.name)
        cmd.error(`error: two stack names, ${stack} and --name ${flags.name}: give one`);
      const { deploy } = await import('./deploy-action.js');
      const name = stack ?? flags.name;
      const files = file ?? composeFile;
      await deploy({
        ...flags,
        ...(files === undefined ? {} : { files, fileFlag: composeFile === undefined ? '-f' : '-c' }),
        ...(name === undefined ? {} : { name }),
      });
    });
}

export function registerDeploy(program: Command, withManager: WithManager): void {
  deployCommand(withManager(program.command('deploy')));
}

/** Adds `stack deploy|ls|services|ps|rm`, as `docker stack` has them. */
export function registerStack(program: Command, withManager: WithManager): void {
  const stack = program
    .command('stack')
    .description('stacks: the services a Compose file deployed (poseidon deploy), listed and removed together');
  const action = async <K extends keyof typeof import('./stack-action.js')>(name: K) =>
    (await import('./stack-action.js'))[name];
  const sub = (name: string, description: string): Command =>
    withManager(stack.command(name)).description(description).option('--json', 'print JSON');
  deployCommand(withManager(stack.command('deploy')));
  sub('ls', "list stacks: NAME, SERVICES, REPLICAS (healthy/wanted over its services; its jobs' runs apart)")
    .option('-q, --quiet', 'the stack names alone, one a line')
    .action(async (flags: StackFlags) => (await action('listStacks'))(flags));
  sub('services', "list a stack's services: NAME, VERSION, MODE, REPLICAS, IMAGE, UPDATE")
    .option('-q, --quiet', 'the service names alone, one a line')
    .argument('<stack>', 'stack name')
    .action(async (name: string, flags: StackFlags) => (await action('stackServices'))(name, flags));
  sub('ps', "list a stack's tasks: SERVICE, SLOT, TASK, VERSION, STATE, NODE, REASON")
    .option('-q, --quiet', 'the task ids alone, one a line')
    .argument('<stack>', 'stack name')
    .action(async (name: string, flags: StackFlags) => (await action('stackTasks'))(name, flags));
  sub('rm', 'remove stacks: their services, whose tasks stop (named volumes stay; deploy)')
    .argument('<stack...>', 'stack names')
    .action(async (names: string[], flags: StackFlags) => (await action('removeStacks'))(names, flags));
}
