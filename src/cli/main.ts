import { CommanderError } from 'commander';
import { buildProgram } from './commands.js';
import { printable } from './terminal-text.js';

/** What to do when the manager refused the credentials, said after its own words. */
const REFUSAL_HINTS: Readonly<Record<string, string>> = {
  unauthenticated: 'run `poseidon login URL --token TOKEN`, or pass --token',
  forbidden: 'use a token with that scope (an admin makes one: poseidon token create --scope SCOPE)',
};

/** A process a SIGPIPE ended exits with this (128 + 13), as `ls | head` leaves `ls`. */
const BROKEN_PIPE_EXIT = 141;

// the reader went away (`poseidon status | head -3`): stop at once and say nothing, as a Unix
// tool does, rather than print a stack trace for the write that found the pipe closed
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(BROKEN_PIPE_EXIT);
});

try {
  await buildProgram(process.argv[2]).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode; // --version, --help, a bad flag: commander has said it
  } else {
    // loaded here, not up front: an action that failed has loaded it already
    const { PoseidonError, RemoteError } = await import('../errors/index.js');
    if (!(err instanceof PoseidonError)) throw err; // a bug: let Node print the stack
    const hint = err instanceof RemoteError ? REFUSAL_HINTS[err.code] : undefined;
    // it may quote what a server or file said
    const message = printable(err.message);
    process.stderr.write(`poseidon: ${hint === undefined ? message : `${err.status}: ${message}: ${hint}`}\n`);
    process.exitCode = 1;
  }
}
