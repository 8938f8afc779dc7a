import { Command, CommanderError } from 'commander';
import { PoseidonError } from '../errors/index.js';
import { registerDev } from './dev-command.js';
import { registerEvents } from './events-command.js';
import { registerLogs } from './logs-command.js';
import { registerManager } from './manager-command.js';
import { registerStatus } from './status-command.js';
import { registerTask } from './task-command.js';
import { registerWorker } from './worker-command.js';

const program = new Command();
program
  .name('poseidon')
  .description('Poseidon: a container orchestrator for when Kubernetes is too much')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(`poseidon: ${str.replace(/^error: /, '')}`) });
registerManager(program);
registerWorker(program);
registerDev(program);
registerTask(program);
registerStatus(program);
registerLogs(program);
registerEvents(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (err instanceof PoseidonError) {
    process.stderr.write(`poseidon: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    throw err; // a bug: let Node print the stack
  }
}
