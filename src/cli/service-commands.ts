import type { Command } from 'commander';
import type { LogsFlags } from './logs-action.js';
import { answeringDockerFlags } from './docker-words.js';
import { withLimitFlags } from './limit-flags.js';
import { TMPFS_SIZE, withContainerFlags, withHealthFlags, withImageFlags, withProcessFlags } from './image-flags.js';
import { collect } from './repeatable.js';
import { formatOption, inspectFormatOption } from './format-flag.js';
import type { ServiceCreateFlags, ServiceFlags, ServiceUpdateFlags } from './service-action.js';

// `poseidon service …`: names, flags and help only; each action loads service-action.ts when it
// runs (see commands.ts on why definitions stay light).

type WithManager = (cmd: Command) => Command;

/** Adds `service create|ls|inspect|ps|scale|update|rollback|logs|rm`. */
export function registerService(program: Command, withManager: WithManager): void {
  const service = program
    .command('service')
    .description(
      'services: N replicas of a task, or one on each node, updated without downtime; or jobs, run to completion',
    )
    .enablePositionalOptions(); // so `service create IMAGE COMMAND...` passes the command's options through
  const action = async <K extends keyof typeof import('./service-action.js')>(name: K) =>
    (await import('./service-action.js'))[name];
  const sub = (name: string, description: string): Command =>
    withManager(service.command(name)).description(description).option('--json', 'print JSON');
  const waiting = (cmd: Command): Command =>
    cmd
      .option(
        '--wait',
        'show each replica until all are healthy (update and rollback: until the rollout ends; a job: until it ends)',
      )
      .option('--timeout <duration>', 'how long --wait waits', '10m');

  // `service create IMAGE [COMMAND...]` as `docker service create` takes it, or `-f FILE`
  withUpdateFlags(
    withImageFlags(
      waiting(
        sub('create', 'create a service: replicas of an image, as docker service create takes it, or from a file'),
      )
        .usage('[options] IMAGE [COMMAND [ARG...]]  |  poseidon service create -f FILE [options]')
        .argument('[image]', 'the image its replicas run (nginx:1.27)')
        .argument('[command...]', "the replicas' command and its arguments, instead of the image's")
        .option('-f, --filename <file>', 'service file (YAML or JSON), instead of an image')
        .option('--name <name>', 'the service name (default: the image name)')
        .option(
          '--mode <mode>',
          'replicated (default); global: one replica on each node that meets the constraints; replicated-job: ' +
            'tasks run to completion, --replicas of them; global-job: one on each such node, run to completion',
        )
        .option('--replicas <n>', 'how many replicas (default 1; a replicated-job: how many must complete)')
        .option('--max-concurrent <n>', 'a replicated-job: at most this many of its tasks at once (default: all)')
        .option(
          '--placement-pref <spread=node.labels.KEY>',
          'spread the replicas evenly over the values of a node label, then over nodes (repeat: the first weighs most)',
          collect,
        ),
    ),
  )
    .passThroughOptions() // after the image, everything is the replicas' command, as with docker service create
    .action(async (image: string | undefined, rest: string[], flags: ServiceCreateFlags, cmd: Command) => {
      if ((image === undefined) === (flags.filename === undefined))
        cmd.error(
          `error: ${image === undefined ? 'missing the image or -f FILE' : 'an image and -f FILE'}: ` +
            'poseidon service create IMAGE [COMMAND...] or poseidon service create -f FILE',
        );
      if (image === undefined) {
        const { imageFlagsGiven } = await import('./run-image.js');
        const { rolloutFlagsGiven } = await import('./service-update.js');
        const imageOnly = [
          ...imageFlagsGiven(flags),
          ...(flags.mode === undefined ? [] : ['--mode']),
          ...(flags.replicas === undefined ? [] : ['--replicas']),
          ...(flags.maxConcurrent === undefined ? [] : ['--max-concurrent']),
          ...((flags.placementPref ?? []).length === 0 ? [] : ['--placement-pref']),
          ...rolloutFlagsGiven(flags),
        ];
        if (imageOnly.length > 0)
          cmd.error(`error: ${imageOnly.join(', ')}: only with an image; the file says all of its service`);
        await (
          await action('createService')
        )({ ...flags, filename: flags.filename ?? '' });
        return;
      }
      const { commandAfterImage, runTarget } = await import('./run-image.js');
      if (runTarget(image) === 'file') cmd.error(`error: ${image} is a file: poseidon service create -f ${image}`);
      await (
        await action('createImageService')
      )(image, commandAfterImage(rest, cmd.options), flags);
    });
  sub('ls', "list services: NAME, VERSION, MODE, REPLICAS (healthy/wanted; a job's completed), IMAGE, UPDATE")
    .option('-q, --quiet', 'the names alone, one a line')
    .option(
      '-f, --filter <key=value>',
      'as docker service ls takes it: name= (the start of the name) or mode= (repeat: any of several)',
      collect,
    )
    .addOption(formatOption('docker service ls', ['Name', 'Version', 'Mode', 'Replicas', 'Image', 'Update']))
    .action(async (flags: ServiceFlags) => (await action('listServices'))(flags));
  sub('inspect', 'show services: the spec with every default, the rollout, the VIP, DNS names and endpoints of each')
    .argument('<name...>', 'service names')
    .addOption(inspectFormatOption('docker service inspect'))
    .action(async (names: string[], flags: ServiceFlags) => (await action('inspectServices'))(names, flags));
  sub('ps', "list a service's tasks: SLOT, TASK, VERSION, STATE, NODE, REASON; each slot's ended ones under it")
    .option('-q, --quiet', 'the task ids alone, one a line (the ended ones the table shows too)')
    .option('--no-trunc', 'whole task ids')
    .option(
      '-f, --filter <key=value>',
      'as docker service ps takes it: id= (a prefix), name= (part of it), node=, state=, desired-state=running|' +
        'shutdown (repeat: any of several)',
      collect,
    )
    .addOption(
      formatOption('docker service ps', [
        'ID',
        'Name',
        'Slot',
        'Version',
        'Image',
        'State',
        'DesiredState',
        'Node',
        'Reason',
      ]),
    )
    .argument('<name>', 'service name')
    .action(async (name: string, flags: ServiceFlags) => (await action('serviceTasks'))(name, flags));
  waiting(
    sub(
      'scale',
      'set the number of replicas, or of completions a replicated-job wants (not a new version; ' +
        'a global service has one a node)',
    ),
  )
    .argument('<name=replicas>', 'e.g. web=6 (or web 6)')
    .argument('[replicas]', 'the number, when the name comes alone')
    .action(async (arg: string, replicas: string | undefined, flags: ServiceFlags) =>
      (await action('scaleService'))(arg, replicas, flags),
    );
  // as `docker service update` takes them; each changes one part of the spec (service-update.ts)
  const update = waiting(
    sub(
      'update',
      'change a service, as docker service update does: a change of what runs is a new version, rolled out ' +
        '(a job runs again)',
    ),
  )
    .argument('<name>', 'service name')
    .option('-f, --filename <file>', 'the whole new spec, from a file (YAML or JSON); the flags then change it')
    .option('--image <image>', 'the new image')
    .option('--replicas <n>', 'how many replicas, or completions of a replicated-job (not a new version)')
    .option('--max-concurrent <n>', 'a replicated-job: at most this many of its tasks at once')
    .option('--env-add <NAME=value>', 'set an environment variable; NAME alone takes its value here (repeat)', collect)
    .option('--env <NAME=value>', 'the same as --env-add (repeat)', collect)
    .option('--env-rm <NAME>', 'remove an environment variable (repeat)', collect)
    .option('--label-add <key=value>', 'set a label on the replicas (repeat)', collect)
    .option('--label-rm <key>', 'remove a label from the replicas (repeat)', collect)
    .option(
      '--publish-add <[[IP:]HOST:]CONTAINER[/udp]>',
      'publish a container port, in place of its old one (repeat)',
      collect,
    )
    .option(
      '--publish-rm <CONTAINER[/udp]>',
      'stop publishing a container port; HOST:CONTAINER names it too, as docker does (repeat)',
      collect,
    )
    .option('--constraint-add <rule>', "a rule every replica's node must meet (repeat)", collect)
    .option('--constraint-rm <rule>', 'remove a rule (repeat)', collect)
    .option(
      '--placement-pref-add <spread=node.labels.KEY>',
      'spread the replicas over the values of a node label too, after those the service has (repeat)',
      collect,
    )
    .option('--placement-pref-rm <spread=node.labels.KEY>', 'stop spreading over that label (repeat)', collect)
    .option(
      '--secret-add <NAME|source=NAME,target=PATH>',
      'mount a secret, in place of one at the same target (repeat)',
      collect,
    )
    .option('--secret-rm <NAME>', 'stop mounting a secret (repeat)', collect)
    .option(
      '--config-add <NAME|source=NAME,target=PATH>',
      'mount a config, in place of one at the same target (repeat)',
      collect,
    )
    .option('--config-rm <NAME>', 'stop mounting a config (repeat)', collect)
    .option(
      '--tmpfs-add <PATH[:size=N]>',
      `mount a tmpfs at PATH, in place of one at the same path; ${TMPFS_SIZE} (repeat)`,
      collect,
    )
    .option('--tmpfs-rm <PATH>', 'stop mounting the tmpfs at PATH (repeat)', collect)
    .option('--cpu <cores>', 'cores to reserve per replica, such as 0.5')
    .option('--memory <bytes>', 'memory to reserve per replica, its limit too, such as 256m (MiB, as docker) or 256Mi')
    .option(
      '--args <command line>',
      'the replicas\' command in place of the one they run, split into words as a shell does; "" for the image\'s CMD',
    );
  withLimitFlags(answeringDockerFlags(update), 'update').option(
    '--restart <policy>',
    'never, always, on-failure or on-failure:N',
  );
  withContainerFlags(withProcessFlags(update, 'update'), 'update')
    .option(
      '--no-healthcheck',
      "remove the health check, and turn off the image's own (--health-cmd puts a new one in its place)",
    )
    .option(
      '--force',
      'a new version even with nothing changed: every replica restarted, by the update settings (a job runs again)',
    );
  withUpdateFlags(withHealthFlags(update)).action(async (name: string, flags: ServiceUpdateFlags) =>
    (await action('updateService'))(name, flags),
  );
  waiting(sub('rollback', 'go back to the previous version, by the rollback settings (a job has none)'))
    .argument('<name>', 'service name')
    .action(async (name: string, flags: ServiceFlags) => (await action('rollbackService'))(name, flags));
  withManager(service.command('logs'))
    .description("print every replica's output, each line after its replica (<task>.<id>@<node> |)")
    .argument('<name>', 'service name')
    .option('-f, --follow', 'keep printing, across restarts and new replicas, until the service is removed or Ctrl-C')
    .option('-n, --tail <n>', 'only the last n lines of each replica (all or -1: every line, the default)')
    .option('--since <when>', 'only output since a time (2026-12-04T10:00:00Z) or how long ago (10m, 1h30m, 2d)')
    .option('--until <when>', 'only output before a time, or how long ago, as --since takes it (not with -f)')
    .option('-t, --timestamps', 'each line after the time it was written')
    .option('--details', "docker's extra log attributes: refused, as Poseidon sets none (see README)")
    .action(async (name: string, flags: LogsFlags) =>
      (await import('./service-logs.js')).printServiceLogs(name, flags),
    );
  sub('rm', 'remove services; their tasks stop')
    .argument('<names...>', 'service names')
    .action(async (names: string[], flags: ServiceFlags) => (await action('removeServices'))(names, flags));
}

/** How a new version rolls out, as `docker service create|update --update-*` take it (service-update.ts reads them). */
function withUpdateFlags(cmd: Command): Command {
  return cmd
    .option('--update-parallelism <n>', 'replicas moved to a new version at once (default 1)')
    .option('--update-delay <duration>', 'wait between one batch done and the next (default 0s)')
    .option(
      '--update-order <order>',
      'start-first (the new replica healthy before the old stops; default) or stop-first',
    )
    .option('--update-failure-action <action>', 'what a failed update does: rollback (default), pause or continue')
    .option('--update-monitor <duration>', 'how long a new replica is watched for failure once healthy (default 5s)');
}
