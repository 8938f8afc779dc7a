import type { Command } from 'commander';
import { DEFAULT_CONFIG_DIR } from './defaults.js';

// `poseidon install-units`, `completion` and the hidden `__complete`: names, flags and help only
// (see commands.ts); each action loads its module when it runs.

/** Where install-units writes units unless told: systemd's directory for units an administrator adds. */
const SYSTEMD_DIR = '/etc/systemd/system';

export function registerInstallUnits(program: Command): void {
  program
    .command('install-units')
    .description('write a systemd unit for the manager or a worker, and its config file if there is none')
    .argument('<kind>', 'manager or worker')
    .option('--dir <dir>', 'where the unit goes', SYSTEMD_DIR)
    .option('--config-dir <dir>', `where its config file goes (env POSEIDON_CONFIG_DIR; default ${DEFAULT_CONFIG_DIR})`)
    .action(async (kind: string, flags: { dir: string; configDir?: string }) => {
      const { installUnits } = await import('./units-action.js');
      await installUnits(kind, flags);
    });
}

type WithManager = (cmd: Command) => Command;

export function registerCompletion(program: Command, withManager: WithManager): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(poseidon completion bash)')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => {
      const { printCompletionScript } = await import('./completion-action.js');
      printCompletionScript(shell);
    });
  // what the scripts call on each <Tab>: candidates for the last word, names from the manager when
  // it answers; silent on any error (a completion never prints one)
  withManager(program.command('__complete', { hidden: true }))
    .argument(
      '<kind>',
      'line (the words after poseidon follow), tasks, services, nodes, stacks, secrets, configs or volumes',
    )
    .argument('[words...]', 'the command line after poseidon, the word being completed last')
    .action(async (kind: string, words: string[], flags: object, cmd: Command) => {
      const { complete } = await import('./completion-action.js');
      await complete(cmd.parent ?? cmd, kind, words, flags);
    });
}
