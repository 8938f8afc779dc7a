import { CommanderError } from 'commander';
import { buildProgram } from './commands.js';
import { errorLine } from './error-line.js';
import { moveLeadingFlags } from './leading-flags.js';

/** A process a SIGPIPE ended exits with this (128 + 13), as `ls | head` leaves `ls`. */
const BROKEN_PIPE_EXIT = 141;

// the reader went away (`poseidon status | head -3`): stop at once and say nothing, as a Unix
// tool does, rather than print a stack trace for the write that found the pipe closed
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(BROKEN_PIPE_EXIT);
});

try {
  const args = moveLeadingFlags(process.argv.slice(2));
  await buildProgram(args[0]).parseAsync(args, { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode; // --version, --help, a bad flag: commander has said it
  } else {
    const line = await errorLine(err);
    if (line === undefined) throw err; // a bug: let Node print the stack
    process.stderr.write(line);
    process.exitCode = 1;
  }
}
