import type { Command } from 'commander';
import { withDockerWord } from './docker-words.js';

// commander's refusals of a command line (an unknown command or flag, a missing or extra
// argument) said on one line, with what to do: its nearest names on that line, not the next, and
// where to read what the command takes, as docker says "See 'docker run --help'".

/** `poseidon service create`: the words that reach `cmd`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** commander's own refusals, which say what is wrong but not what to do; Poseidon's own (cmd.error) say both. */
const COMMANDER_REFUSAL =
  /^error: (unknown (command|option)|missing required argument|too many arguments|(required )?option ')/;

/**
 * commander's error for `cmd` (`error: unknown command 'servce'\n(Did you mean service?)\n`) as one
 * line with its help to read (`error: unknown command 'servce' (did you mean service?); see
 * poseidon --help`); a Docker command at the top gets Poseidon's for it instead. Only the top:
 * `token rm` is no `docker rm`.
 */
export function usageLine(message: string, cmd: Command): string {
  const line = message
    .trim()
    .replace(/\n\(Did you mean (.*)\)$/, ' (did you mean $1)')
    .replace(/\.$/, '');
  const docker = cmd.parent === null ? withDockerWord(`${line}\n`) : undefined;
  if (docker !== undefined && docker !== `${line}\n`) return docker;
  return COMMANDER_REFUSAL.test(line) ? `${line}; see ${commandPath(cmd)} --help\n` : `${line}\n`;
}

/** Each command of `program` (as registered) says its refusals by usageLine, before what it added itself. */
export function explainingUsageErrors(program: Command): void {
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program)) {
    const { outputError } = cmd.configureOutput();
    cmd.configureOutput({
      outputError: (str, write) => (outputError ?? write)(usageLine(str, cmd), write),
    });
  }
}
