import { Command } from 'commander';
import { registerDev } from './dev-command.js';
import { registerEvents } from './events-command.js';
import { registerLogs } from './logs-command.js';
import { registerManager } from './manager-command.js';
import { registerStatus } from './status-command.js';
import { registerTask } from './task-command.js';
import { registerWorker } from './worker-command.js';

/**
 * Every command with its flags, and nothing else: each `*-command.ts` imports commander and
 * the defaults only, and its action imports what the command does (`*-action.ts`) when it runs.
 * So `poseidon --version` loads commander alone, `poseidon status` adds the HTTP client, and
 * only `manager`, `worker` and `dev` load fastify, the store and dockerode.
 */
export function buildProgram(): Command {
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
  return program;
}
