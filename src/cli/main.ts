import { CommanderError } from 'commander';
import { buildProgram } from './commands.js';
import { printable } from './terminal-text.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode; // --version, --help, a bad flag: commander has said it
  } else {
    // loaded here, not up front: an action that failed has loaded it already
    const { PoseidonError } = await import('../errors/index.js');
    if (!(err instanceof PoseidonError)) throw err; // a bug: let Node print the stack
    process.stderr.write(`poseidon: ${printable(err.message)}\n`); // it may quote what a server or file said
    process.exitCode = 1;
  }
}
