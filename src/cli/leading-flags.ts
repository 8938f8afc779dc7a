/**
 * The connection flags of every Manager API command, which people also write before the command
 * (`poseidon --manager URL status`), as `docker -H` and `kubectl --server` take them. Commander
 * knows them per command only, so they are moved after it: before a `--`, else at the end.
 */
const LEADING = new Set(['--manager', '--token', '--ca']);

/** The command line's arguments (after `poseidon`), with leading connection flags moved after the command. */
export function moveLeadingFlags(args: readonly string[]): string[] {
  const moved: string[] = [];
  let i = 0;
  while (i < args.length) {
    const arg = args[i] as string;
    const eq = arg.indexOf('=');
    if (!LEADING.has(eq > 0 ? arg.slice(0, eq) : arg)) break;
    if (eq > 0) {
      moved.push(arg);
      i += 1;
    } else {
      if (i + 1 >= args.length) break; // a flag without its value: commander says so
      moved.push(arg, args[i + 1] as string);
      i += 2;
    }
  }
  if (moved.length === 0) return [...args];
  const rest = args.slice(i);
  // after the image, `run` and `service create` pass every word to the container: the flags go
  // right after the command's name there
  const path = PASS_THROUGH.find((names) => names.every((name, at) => rest[at] === name));
  if (path !== undefined) return [...rest.slice(0, path.length), ...moved, ...rest.slice(path.length)];
  const dash = rest.indexOf('--');
  return dash < 0 ? [...rest, ...moved] : [...rest.slice(0, dash), ...moved, ...rest.slice(dash)];
}

/** Commands whose words after their first argument are all the container's command (passThroughOptions). */
const PASS_THROUGH: ReadonlyArray<readonly string[]> = [['run'], ['service', 'create'], ['exec']];
