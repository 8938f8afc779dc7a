import { Command } from 'commander';
import { DEFAULT_MANAGER_PORT, DEFAULT_MANAGER_URL } from './defaults.js';
import type { EventsFlags } from './events-action.js';
import type { CpFlags } from './cp-action.js';
import type { ClientFlags } from './manager-client.js';
import type { StatsFlags } from './stats-action.js';
import type { ExecFlags } from './exec-action.js';
import type { LoginFlags } from './login-action.js';
import type { LogsFlags } from './logs-action.js';
import type { StatusFlags, StopFlags } from './status-action.js';
import { registerNode } from './node-commands.js';
import type { ClusterFlags } from './cluster-action.js';
import type { RotateFlags } from './rotate-action.js';
import { registerCompletion, registerInstallUnits } from './operate-commands.js';
import { registerDev, registerManager, registerWorker } from './runtime-commands.js';
import { registerService } from './service-commands.js';
import { registerDeploy, registerStack } from './stack-commands.js';
import type { RunImageFlags } from './run-image.js';
import type { TaskFlags } from './task-action.js';
import { withImageFlags } from './image-flags.js';
import { collect } from './repeatable.js';
import { formatOption, inspectFormatOption } from './format-flag.js';
import { explainingUsageErrors } from './usage-errors.js';
import type { TokenCreateFlags, TokenListFlags } from './token-action.js';
import type { VolumeFlags, VolumeInspectFlags, VolumeListFlags } from './volume-action.js';
import type { FileCreateFlags, FileFlags, FileInspectFlags, FileKind, FileListFlags } from './file-action.js';
import { POSEIDON_VERSION } from '../version.js';

// Every command's name, flags and help, and nothing else: each action imports what its command
// does (`*-action.ts`, one file per command) when it runs, so `poseidon --version` loads
// commander and this file, `poseidon status` adds the HTTP client, and only `manager`, `worker`
// and `dev` load fastify, the store and dockerode. The definitions (this file,
// runtime-commands.ts, service-commands.ts, operate-commands.ts) are bundled into one file with
// the CLI's entry (scripts/bundle-cli.mjs): each module costs Node's ESM loader a resolve, a read
// and a compile.

/**
 * The top-level commands, each with what registers it (and its siblings), in the order help lists
 * them.
 */
const COMMANDS: ReadonlyArray<readonly [readonly string[], (program: Command) => void]> = [
  [['manager'], registerManager],
  [['worker'], registerWorker],
  [['dev'], registerDev],
  [['task', 'run'], registerTask],
  [['service'], (program) => registerService(program, withManager)],
  [['status', 'stop'], registerStatus],
  [['node'], (program) => registerNode(program, withManager)],
  [['cluster'], registerCluster],
  [['logs'], registerLogs],
  [['exec'], registerExec],
  [['cp'], registerCp],
  [['stats'], registerStats],
  [['wait'], registerWait],
  [['top'], registerTop],
  [['events'], registerEvents],
  [['login'], registerLogin],
  [['token'], registerToken],
  [['deploy'], (program) => registerDeploy(program, withManager)],
  [['stack'], (program) => registerStack(program, withManager)],
  [['volume'], registerVolume],
  [['secret'], (program) => registerFile(program, 'secret')],
  [['config'], (program) => registerFile(program, 'config')],
  [['install-units'], registerInstallUnits],
  // `__complete` is not named here: it gets the whole CLI, which it completes from
  [['completion'], (program) => registerCompletion(program, withManager)],
];

/**
 * The CLI, ready to parse. Given the command a run names (`status`), only that command (and those
 * registered with it) is defined: defining all of them took `poseidon status` several ms of
 * commander's time. Anything else (no command, `--help`, `help`, a typo) gets the whole CLI, so
 * help lists every command and a typo is answered with the nearest name.
 */
export function buildProgram(command?: string): Command {
  const program = new Command();
  program
    .name('poseidon')
    .description('Poseidon: a container orchestrator for when Kubernetes is too much')
    .version(POSEIDON_VERSION)
    .exitOverride()
    .enablePositionalOptions() // so `run IMAGE COMMAND...` passes the command's options through
    .configureOutput({
      outputError: (str, write) => write(`poseidon: ${str.replace(/^error: /, '')}`),
    });
  const named = COMMANDS.find(([names]) => command !== undefined && names.includes(command));
  for (const [, register] of named === undefined ? COMMANDS : [named]) register(program);
  explainingUsageErrors(program);
  return program;
}

/**
 * Adds --manager, --token and --ca to a command that talks to the Manager API (its action builds
 * the client: manager-client.ts). Each falls back to its environment variable, then to what
 * `poseidon login` saved.
 */
function withManager(cmd: Command): Command {
  return cmd
    .option(
      '--manager <address>',
      `the manager: HOST[:PORT] (https, port ${DEFAULT_MANAGER_PORT} if none) or a URL; a group's comma-separated ` +
        `(env POSEIDON_MANAGER; default ${DEFAULT_MANAGER_URL})`,
    )
    .option('--token <token>', 'API token (env POSEIDON_TOKEN; default the one poseidon login saved)')
    .option('--ca <file>', "the cluster's CA certificate, for https:// (env POSEIDON_CA)");
}

type RunFlags = TaskFlags & RunImageFlags;

function registerTask(program: Command): void {
  const add = (cmd: Command): Command =>
    withManager(cmd)
      .option('--wait', 'wait until the task is Running (exit 1 if it fails, even if its restart policy tries again)')
      .option('--timeout <duration>', 'how long --wait waits', '60s')
      .option('--json', 'print the task as JSON');
  add(
    program
      .command('task')
      .description('submit a task from a JSON or YAML file (native spec or seed TaskEvent) and print its id'),
  )
    .usage('-f FILE [options]')
    .option('-f, --filename <file>', 'task file')
    .argument('[words...]') // for the hint below: `task ls` and `task inspect web` are not commands here
    .action(async (words: string[], flags: TaskFlags, cmd: Command) => {
      if (flags.filename === undefined)
        cmd.error(
          `error: ${words.length === 0 ? 'missing the task file' : `poseidon task ${words[0]} is not a command`}: ` +
            'poseidon task -f FILE submits a task file; poseidon status lists tasks, poseidon status TASK shows one',
        );
      const { submitTask } = await import('./task-action.js');
      await submitTask(flags.filename ?? '', flags);
    });
  // `run IMAGE [COMMAND...]` as `docker run -d` takes it; `run FILE` and `run -f FILE` as
  // `task`, kubectl and compose take it
  withImageFlags(
    add(
      program
        .command('run')
        .description('run a task: an image and its command, as docker run -d takes them, or a task file')
        .usage('[options] IMAGE [COMMAND [ARG...]]  |  poseidon run FILE [options]')
        .argument('[image-or-file]', 'an image (nginx:1.27), or a task file (JSON or YAML) that exists here')
        .argument('[command...]', "the container's command and its arguments, instead of the image's"),
    )
      .option('-f, --filename <file>', 'task file (instead of the argument)')
      .option('--name <name>', 'the task name (default: the image name and 4 random hex digits)'),
  )
    .passThroughOptions() // after the image, everything is the container's command, as with docker run
    .action(async (target: string | undefined, rest: string[], given: RunFlags, cmd: Command) => {
      if ((target === undefined) === (given.filename === undefined))
        cmd.error(
          `error: ${target === undefined ? 'missing the image or task file' : 'two task files'}: ` +
            'poseidon run IMAGE [COMMAND...] or poseidon run FILE',
        );
      const { runTarget, imageFlagsGiven, commandAfterImage } = await import('./run-image.js');
      const { submitTask, submitImage } = await import('./task-action.js');
      if (target === undefined || runTarget(target) === 'file') {
        // after a task file come options, as before: `poseidon run web.yaml --wait`
        const { operands, unknown } = cmd.parseOptions(rest);
        if (unknown.length > 0) cmd.error(`error: unknown option '${unknown[0]}'`);
        const flags = cmd.opts<RunFlags>();
        if (target !== undefined && flags.filename !== undefined)
          cmd.error('error: two task files: poseidon run FILE, or poseidon run -f FILE');
        const imageOnly = [...imageFlagsGiven(flags), ...(operands.length > 0 ? ['a command'] : [])];
        if (imageOnly.length > 0)
          cmd.error(`error: ${imageOnly.join(', ')}: only with an image; a task file says all of its task`);
        await (target === undefined ? submitTask(flags.filename ?? '', flags) : submitTask(target, flags, 'task file'));
      } else await submitImage(target, commandAfterImage(rest, cmd.options), given);
    });
}

function registerStatus(program: Command): void {
  withManager(program.command('status'))
    .description('list tasks (or show one, by id, name or unique id prefix)')
    .argument('[task]', 'task id, name or unique id prefix (--format then reads its --json view: {{.Spec.Image}})')
    .option('--state <state>', 'only tasks in this state (in any case: running)')
    .option('--node <name>', 'only tasks on this node')
    .option('--service <name>', "only this service's replicas, the ended ones it keeps too")
    .option('-q, --quiet', 'the ids alone, one a line (poseidon status -q --state Running | xargs poseidon stop)')
    .option(
      '-f, --filter <key=value>',
      'as docker ps takes it: state= (or status=), node=, service=, name= (part of it), id= (a prefix) (repeat)',
      collect,
    )
    .option('--no-trunc', 'whole task ids')
    .addOption(
      formatOption('docker ps', [
        'ID',
        'Name',
        'Names',
        'Service',
        'Slot',
        'Image',
        'State',
        'Status',
        'Node',
        'Ports',
        'Restarts',
        'RunningFor',
        'CreatedAt',
        'Reason',
      ]),
    )
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, flags: StatusFlags) => {
      const { showStatus } = await import('./status-action.js');
      await showStatus(id, flags);
    });

  withManager(program.command('stop'))
    .description('stop tasks (by id, name or unique id prefix); they are never restarted')
    .argument('<task...>', 'task ids, names or unique id prefixes')
    .option('--json', 'print JSON')
    .action(async (ids: string[], flags: StopFlags) => {
      const { stopTasks } = await import('./status-action.js');
      await stopTasks(ids, flags);
    });
}

function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('the managers and their store');
  withManager(cluster.command('status'))
    .description('which manager leads, since when, and the health of each store member')
    .option('--json', 'print JSON')
    .action(async (flags: ClusterFlags) => {
      const { showClusterStatus } = await import('./cluster-action.js');
      await showClusterStatus(flags);
    });
}

function registerLogs(program: Command): void {
  withManager(program.command('logs'))
    .description("print a task's container output (stdout and stderr), from whichever worker runs it")
    .argument('<task>', 'task id, name or unique id prefix')
    .option('-f, --follow', 'keep printing new output, across restarts, until the task ends or Ctrl-C')
    .option('-n, --tail <n>', 'only the last n lines (all or -1: every line, the default)')
    .option('--since <when>', 'only output since a time (2026-12-04T10:00:00Z) or how long ago (10m, 1h30m, 2d)')
    .option('--until <when>', 'only output before a time, or how long ago, as --since takes it (not with -f)')
    .option('-t, --timestamps', 'each line after the time it was written')
    .option('--details', "docker's extra log attributes: refused, as Poseidon sets none (see README)")
    .action(async (id: string, flags: LogsFlags) => {
      const { printLogs } = await import('./logs-action.js');
      await printLogs(id, flags);
    });
}

function registerExec(program: Command): void {
  withManager(program.command('exec'))
    .description(
      "run a command in a task's running container, wherever it runs, as docker exec does; its output here, " +
        'its exit code as this one (deploy)',
    )
    .usage('[-d] [-i] [-t] [options] TASK COMMAND [ARG...]')
    .argument('<task>', 'task id, name or unique id prefix')
    .argument('<command...>', 'the program and its arguments, run without a shell (sh -c "..." for one)')
    .option('-d, --detach', 'run it in the background: return once it has started (its output and exit are not kept)')
    .option('-i, --interactive', "what you type or pipe here is the command's stdin")
    .option('-t, --tty', 'give the command a terminal (with -i, every key you press goes to it)')
    .option('-u, --user <user>', "run as this user (name or uid, [:group]) instead of the container's")
    .option('-w, --workdir <dir>', "run in this directory instead of the container's")
    .option(
      '-e, --env <NAME=value>',
      'set a variable for the command; NAME alone takes its value here (repeat)',
      collect,
    )
    .option('--timeout <duration>', 'stop showing its output after this long (it runs on); default 24h')
    .option('--privileged', "refused: an exec has its task's capabilities (workers give more only with --allow-cap)")
    .passThroughOptions() // after the task, everything is the command's, as with docker exec
    .action(async (task: string, command: string[], flags: ExecFlags) => {
      const { runExec } = await import('./exec-action.js');
      await runExec(task, command, flags);
    });
}

function registerCp(program: Command): void {
  withManager(program.command('cp'))
    .description(
      "copy files between a task's container and here, wherever it runs, as docker cp does: TASK:PATH names " +
        "the task's end, - a tar stream on stdin or stdout (deploy)",
    )
    .usage('[options] TASK:SRC DEST|-  or  [options] SRC|- TASK:DEST')
    .argument('<src>', 'TASK:PATH to copy out of a task, or a local path (- for a tar stream on stdin)')
    .argument('<dest>', 'a local path (- for a tar stream on stdout), or TASK:PATH to copy into a task')
    .option('-L, --follow-link', 'copy what a symlink at SRC points to, not the link')
    .option('-a, --archive', 'keep owners (uid, gid) as they are, not root in the task or you here')
    .option('-q, --quiet', 'say nothing when done')
    .action(async (src: string, dest: string, flags: CpFlags) => {
      const { runCp } = await import('./cp-action.js');
      await runCp(src, dest, flags);
    });
}

function registerStats(program: Command): void {
  withManager(program.command('stats'))
    .description(
      'show what each running task uses (cpu, memory), wherever it runs, as docker stats does; redrawn until Ctrl-C',
    )
    .argument('[tasks...]', 'only these: task ids, names or unique id prefixes, or service names')
    .option('--no-stream', 'print once and exit')
    .option('--json', 'one JSON document a sample: {tasks, unanswered}')
    .option('--no-trunc', 'whole task ids')
    .addOption(
      formatOption('docker stats', ['Name', 'Container', 'ID', 'Node', 'Service', 'CPUPerc', 'MemUsage', 'MemPerc']),
    )
    .action(async (tasks: string[], flags: StatsFlags) => {
      const { printStats } = await import('./stats-action.js');
      await printStats(tasks, flags);
    });
}

function registerWait(program: Command): void {
  withManager(program.command('wait'))
    .description(
      'wait until tasks have ended for good (no restart planned), and print their exit codes, as docker wait does',
    )
    .argument('<tasks...>', 'task ids, names or unique id prefixes')
    .action(async (tasks: string[], flags: ClientFlags) => {
      const { waitTasks } = await import('./wait-action.js');
      await waitTasks(tasks, flags);
    });
}

function registerTop(program: Command): void {
  withManager(program.command('top'))
    .description("list the processes of a task's running container, wherever it runs, as docker top does")
    .usage('[options] TASK [ps OPTIONS]')
    .argument('<task>', 'task id, name or unique id prefix')
    .argument('[psOptions...]', 'options for ps (the engine runs it on the node): -o pid,user,args; -ef when none')
    .passThroughOptions() // after the task, every word is ps's, as with docker top
    .action(async (task: string, psOptions: string[], flags: ClientFlags) => {
      const { printTop } = await import('./top-action.js');
      await printTop(task, psOptions, flags);
    });
}

function registerEvents(program: Command): void {
  withManager(program.command('events'))
    .description('print task, node and service events as they happen, or since a time')
    .option('--task <task>', "only this task's events: its name, id or id prefix (repeat for any of several)", collect)
    .option('--node <name>', "only this node's events and its tasks' (repeat)", collect)
    .option('--service <name>', "only this service's events and its replicas' (repeat)", collect)
    .option(
      '--type <type>',
      'only events of this type (task.exited) or kind (task, node, service, update, job, secret, config) (repeat)',
      collect,
    )
    .option(
      '--since <when>',
      'first the events the manager kept since a time (2026-12-04T10:00:00Z) or how long ago (10m, 1h30m)',
    )
    .option('--until <when>', 'stop at a time, or how long ago (now: the kept events, then exit)')
    .option('-f, --filter <key=value>', 'as docker events takes it: task=, node=, service= or type= (repeat)', collect)
    .option('--json', 'one JSON object per line')
    .action(async (flags: EventsFlags) => {
      const { printEvents } = await import('./events-action.js');
      await printEvents(flags);
    });
}

function registerLogin(program: Command): void {
  program
    .command('login')
    .description('check an API token against a manager and save both, so later commands need no flags')
    .argument('<url>', `the manager: HOST[:PORT] (https, port ${DEFAULT_MANAGER_PORT} if none) or a URL, e.g. 10.0.0.5`)
    .option('--token <token>', 'API token (env POSEIDON_TOKEN)')
    .option('--ca <file>', "the cluster's CA certificate, for https:// (env POSEIDON_CA)")
    .action(async (url: string, flags: LoginFlags) => {
      const { login } = await import('./login-action.js');
      await login(url, flags);
    });
}

function registerToken(program: Command): void {
  const token = program.command('token').description('API tokens for people and scripts (needs an admin token)');
  withManager(token.command('create'))
    .description('create a token and print it, the only time it is shown')
    .requiredOption('--scope <scope>', 'read (every GET), deploy (also submit and stop) or admin (everything)')
    .option('--ttl <duration>', 'expire after this long, e.g. 30d, 12h, 90m (default never)')
    .option('--name <name>', 'what the token is for, shown by token ls')
    .option('--json', 'print JSON')
    .action(async (flags: TokenCreateFlags) => {
      const { createToken } = await import('./token-action.js');
      await createToken(flags);
    });
  withManager(token.command('ls'))
    .description('list tokens: id, name, scope, state, created, expires, last used (never a secret)')
    .option('--json', 'print JSON')
    .action(async (flags: TokenListFlags) => {
      const { listTokens } = await import('./token-action.js');
      await listTokens(flags);
    });
  withManager(token.command('revoke'))
    .description('refuse a token from now on')
    .argument('<id>', 'token id (token ls)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: TokenListFlags) => {
      const { revokeToken } = await import('./token-action.js');
      await revokeToken(id, flags);
    });
  withManager(token.command('rotate'))
    .description('a new worker join token; the old one joins no one from now on, joined nodes keep working')
    .argument('<kind>', 'which token: join')
    .option('--json', 'print JSON')
    .action(async (kind: string, flags: RotateFlags) => {
      const { rotateToken } = await import('./rotate-action.js');
      await rotateToken(kind, flags);
    });
}

function registerVolume(program: Command): void {
  const volume = program.command('volume').description('named volumes: where each lives and which tasks use it');
  withManager(volume.command('ls'))
    .description('list named volumes: name, node, created, the unfinished tasks that mount it')
    .option('-q, --quiet', 'print the names only')
    .option(
      '-f, --filter <key=value>',
      'as docker volume ls takes it: name= (part of it), node=, dangling=true|false (repeat: any of several)',
      collect,
    )
    .addOption(formatOption('docker volume ls', ['Name', 'Node', 'Created', 'CreatedAt', 'InUseBy', 'Links']))
    .option('--json', 'print JSON')
    .action(async (flags: VolumeListFlags) => {
      const { listVolumes } = await import('./volume-action.js');
      await listVolumes(flags);
    });
  withManager(volume.command('inspect'))
    .description('show named volumes: the node of each, and each task that mounts it, whose replica and where')
    .argument('<name...>', 'volume names')
    .option('--json', 'print JSON: the volume for one name, an array for several')
    .addOption(inspectFormatOption('docker volume inspect'))
    .action(async (names: string[], flags: VolumeInspectFlags) => {
      const { inspectVolumes } = await import('./volume-action.js');
      await inspectVolumes(names, flags);
    });
  withManager(volume.command('rm'))
    .description('remove named volumes from their nodes, with their data (refused while a task uses one; deploy)')
    .argument('<name...>', 'volume names')
    .option('--json', 'print JSON')
    .action(async (names: string[], flags: VolumeFlags) => {
      const { removeVolumes } = await import('./volume-action.js');
      await removeVolumes(names, flags);
    });
}

/** What `secret` and `config` say of their kind. */
const FILE_KINDS: Readonly<Record<FileKind, { about: string; where: string; shown: string }>> = {
  secret: {
    about: 'secrets: named values a task mounts as files (/run/secrets/NAME), never shown again once created',
    where: '/run/secrets/NAME',
    shown: 'never its value',
  },
  config: {
    about: 'configs: named values a task mounts as files (/NAME), shown by config inspect',
    where: '/NAME',
    shown: 'its value as text when it is UTF-8, else base64',
  },
};

/** `secret create|ls|inspect|rm`, and the same for `config`, as `docker secret` and `docker config` have them. */
function registerFile(program: Command, kind: FileKind): void {
  const { about, where, shown } = FILE_KINDS[kind];
  const group = program.command(kind).description(about);
  withManager(group.command('create'))
    .description(`create a ${kind} from a file or stdin (it never changes: a new value is a new name; deploy)`)
    .argument('<name>', `${kind} name: letters, digits and "_", ".", "-"; a task mounts it at ${where}`)
    .argument('[file]', 'the file holding the value; - or none: read it from stdin (at most 500 KiB)')
    .option('-l, --label <key=value>', `a label on the ${kind} (repeat)`, collect)
    .option('--json', 'print JSON')
    .action(async (name: string, file: string | undefined, flags: FileCreateFlags) => {
      const { createFile } = await import('./file-action.js');
      await createFile(kind, name, file, flags);
    });
  withManager(group.command('ls'))
    .description(`list ${kind}s: name, size, created, the tasks and services that use it (never a value)`)
    .option('-q, --quiet', 'print the names only')
    .option('--json', 'print JSON')
    .action(async (flags: FileListFlags) => {
      const { listFiles } = await import('./file-action.js');
      await listFiles(kind, flags);
    });
  withManager(group.command('inspect'))
    .description(`print ${kind}s as a JSON array: labels, size, created, users; ${shown}`)
    .argument('<name...>', `${kind} names`)
    .option('--json', 'print JSON (the default)')
    .addOption(inspectFormatOption(`docker ${kind} inspect`))
    .action(async (names: string[], flags: FileInspectFlags) => {
      const { inspectFiles } = await import('./file-action.js');
      await inspectFiles(kind, names, flags);
    });
  withManager(group.command('rm'))
    .description(`remove ${kind}s (refused while a task or service uses one; deploy)`)
    .argument('<name...>', `${kind} names`)
    .option('--json', 'print JSON')
    .action(async (names: string[], flags: FileFlags) => {
      const { removeFiles } = await import('./file-action.js');
      await removeFiles(kind, names, flags);
    });
}
