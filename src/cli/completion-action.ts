import type { Command, Option } from 'commander';
import { STACK_LABEL } from '../api/stack-label.js';
import { InvalidField } from '../errors/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';

// Shell completion as kubectl and cobra do it: the script a shell sources is a few lines that
// hand the command line to `poseidon __complete line -- WORDS` and offer what it prints, one
// candidate a line. Commands, subcommands and flags come from the CLI's own definition, names of
// tasks, services, nodes, volumes and the rest from the manager (its address and credentials as any command finds
// them); a manager that does not answer quickly, or anything else that fails, completes nothing.

const SCRIPTS: Readonly<Record<string, string>> = {
  bash: `# poseidon completion for bash; load it with: source <(poseidon completion bash)
_poseidon_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' candidates
  candidates=$(poseidon __complete line -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -o default -F _poseidon_complete poseidon
`,
  zsh: `#compdef poseidon
# poseidon completion for zsh; load it (after compinit) with: source <(poseidon completion zsh)
_poseidon() {
  local -a candidates
  candidates=("\${(@f)$(poseidon __complete line -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if (( \${#candidates} )); then compadd -a candidates; else _files; fi
}
compdef _poseidon poseidon
`,
  fish: `# poseidon completion for fish; load it with: poseidon completion fish | source
function __poseidon_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    poseidon __complete line -- $words 2>/dev/null
end
complete -c poseidon -f -a '(__poseidon_complete)'
`,
};

export function printCompletionScript(shell: string): void {
  const script = SCRIPTS[shell];
  if (script === undefined) throw new InvalidField('shell', `is "${shell}"; use bash, zsh or fish`);
  process.stdout.write(script);
}

/** How long a completion waits for the manager: a <Tab> must not hang. */
const NAMES_TIMEOUT_MS = 1_500;

type NameKind = 'tasks' | 'services' | 'nodes' | 'stacks' | 'secrets' | 'configs' | 'volumes';

/** `poseidon __complete KIND [WORDS...]`: candidates, one a line; nothing at all on an error. */
export async function complete(
  program: Command,
  kind: string,
  words: string[],
  flags: ClientFlags,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  try {
    const candidates =
      kind === 'line' ? await completeLine(program, words) : isNameKind(kind) ? await names(kind, flags) : [];
    if (candidates.length > 0) write(`${candidates.join('\n')}\n`);
  } catch {
    // a completion says nothing: the shell offers files or nothing
  }
}

const NAME_KINDS: readonly string[] = ['tasks', 'services', 'nodes', 'stacks', 'secrets', 'configs', 'volumes'];

function isNameKind(kind: string): kind is NameKind {
  return NAME_KINDS.includes(kind);
}

/**
 * Names from the manager: task ids and names (a command takes either), service, stack, node,
 * secret, config and volume names.
 */
async function names(kind: NameKind, flags: ClientFlags): Promise<string[]> {
  const client = managerClient(flags, NAMES_TIMEOUT_MS);
  if (kind === 'tasks') {
    const tasks = await client.listTasks({}, ['id', 'name']);
    const names = [...tasks.map((t) => t.id), ...tasks.map((t) => t.name)];
    return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))];
  }
  if (kind === 'services') return (await client.listServices()).map((s) => s.name);
  if (kind === 'secrets' || kind === 'configs')
    return (await client.listFiles(kind === 'secrets' ? 'secret' : 'config')).map((f) => f.name);
  // a volume of one name on two nodes is still one name to type
  if (kind === 'volumes') return [...new Set((await client.listVolumes()).map((v) => v.name))];
  if (kind === 'stacks') {
    const stacks = (await client.listServices()).map((s) => s.spec.labels?.[STACK_LABEL]);
    return [...new Set(stacks.filter((n): n is string => n !== undefined))];
  }
  return (await client.listNodes()).map((n) => n.name);
}

/** The operand a command takes first, when it is a name the manager knows or one of a few words. */
function operandOf(cmd: Command): NameKind | readonly string[] | undefined {
  const path = `${cmd.parent?.parent === null ? '' : `${cmd.parent?.name() ?? ''} `}${cmd.name()}`;
  if (['status', 'stop', 'logs', 'exec', 'stats', 'wait', 'top'].includes(path)) return 'tasks';
  if (['node rm', 'node inspect', 'node update', 'node drain', 'node activate'].includes(path)) return 'nodes';
  if (
    [
      'service inspect',
      'service ps',
      'service scale',
      'service update',
      'service rollback',
      'service logs',
      'service rm',
    ].includes(path)
  )
    return 'services';
  if (['stack services', 'stack ps', 'stack rm'].includes(path)) return 'stacks';
  if (['secret inspect', 'secret rm'].includes(path)) return 'secrets';
  if (['config inspect', 'config rm'].includes(path)) return 'configs';
  if (['volume inspect', 'volume rm'].includes(path)) return 'volumes';
  if (path === 'completion') return ['bash', 'zsh', 'fish'];
  if (path === 'install-units') return ['manager', 'worker'];
  return undefined;
}

/** The option a word names on this command or one of its parents (`node rm` reads `node`'s). */
function findOption(cmd: Command, word: string): Option | undefined {
  const name = word.split('=')[0];
  for (let c: Command | null = cmd; c !== null; c = c.parent)
    for (const o of c.options) if (o.long === name || o.short === name) return o;
  return undefined;
}

/**
 * Candidates for the last of `words` (the command line after `poseidon`; the last may be empty):
 * a flag's name after `-`, a subcommand, or the command's first operand (any, when it repeats). The value of a flag
 * that takes one gets none: the shell offers files.
 */
export async function completeLine(program: Command, words: readonly string[]): Promise<string[]> {
  const partial = words.at(-1) ?? '';
  let cmd = program;
  let operands = 0;
  const client: ClientFlags = {};
  for (let i = 0; i < words.length - 1; i++) {
    const word = words[i] ?? '';
    if (word.startsWith('-')) {
      const option = findOption(cmd, word);
      if (option === undefined || option.isBoolean() || option.negate || word.includes('=')) continue;
      if (i + 1 === words.length - 1) return []; // completing this flag's value
      const value = words[++i] ?? '';
      const key = option.attributeName();
      if (key === 'manager' || key === 'token' || key === 'ca') client[key] = value;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub !== undefined && operands === 0) cmd = sub;
    else operands += 1;
  }
  const matching = (list: readonly string[]): string[] => list.filter((c) => c.startsWith(partial));
  if (partial.startsWith('-')) {
    const flags = cmd.options.filter((o) => !o.hidden && o.long !== undefined).map((o) => o.long as string);
    return matching([...flags, '--help']);
  }
  const subs = cmd.commands.map((c) => c.name()).filter((name) => !name.startsWith('__'));
  if (subs.length > 0 && operands === 0) return matching(subs.filter((s) => s !== 'help'));
  const operand = operandOf(cmd);
  // `stop ID...` takes names after the first too
  if (operand === undefined || (operands > 0 && cmd.registeredArguments[0]?.variadic !== true)) return [];
  return matching(typeof operand === 'string' ? await names(operand, client) : operand);
}
