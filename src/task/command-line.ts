// How a task's command is shown to people (`poseidon status ID`, the console's task page): as a
// line a POSIX shell reads back into the same arguments. No Node or DOM here: the console bundles it.

/** What a shell word may hold unquoted (as Python's shlex.quote allows). */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as a shell reads it back: as it is when that is safe, else in single quotes. */
export function shellWord(arg: string): string {
  if (SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** A command as one line that a shell splits into the same arguments: `sh -c 'exit 3'`. */
export function commandLine(args: readonly string[]): string {
  return args.map(shellWord).join(' ');
}
