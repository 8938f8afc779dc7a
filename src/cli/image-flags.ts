import type { Command } from 'commander';
import { answeringDockerFlags } from './docker-words.js';
import { withLimitFlags } from './limit-flags.js';
import { collect } from './repeatable.js';

// The flags that describe a container from an image, as `docker run -d` and `docker service
// create` take them: `poseidon run IMAGE` and `poseidon service create IMAGE` (run-image.ts
// reads them). Names and help only, so defining the commands stays light.

/** What a tmpfs flag's size= takes: --tmpfs here, service update's --tmpfs-add. */
export const TMPFS_SIZE = 'size= in bytes, or as 64m or 1g (MiB, GiB, as docker reads them) or 64Mi';

/** What --shm-size takes, in run's and service update's help. */
const SHM_SIZE = 'such as 256m or 1g (MiB, GiB, as docker reads them) or 256Mi';

/** What a sysctl flag takes: --sysctl, service update's --sysctl-add. */
const SYSCTL =
  "such as net.core.somaxconn=1024, of the container's own namespaces (net.*, fs.mqueue.*, kernel.shm*, " +
  'kernel.msg*, kernel.sem)';

/** What --log-opt takes. */
const LOG_OPT =
  'max-size=10m (k, m, g as docker reads them; 64 KiB to 1 GiB) or max-file=5 (1 to 100): when its log is cut, and ' +
  'how many files are kept (default 10m and 3; the json-file driver, which poseidon logs reads)';

/** What a ulimit flag takes: --ulimit, service update's --ulimit-add. */
const ULIMIT = 'such as nofile=1024:65536 or nproc=512 (by its setrlimit name; -1 or unlimited: none)';

/**
 * Adds -e, -p, --expose, -v, --tmpfs, -l, --secret, --config, --constraint, --cpu, --memory, --cpu-limit,
 * --pids-limit, --restart,
 * the process flags (--pull, --entrypoint, -u, -w, --stop-*, --read-only), the container flags
 * (--hostname, --add-host, --shm-size, --ulimit, --cap-*, --sysctl, --group-add, --log-opt) and
 * --health-* (not --name: each command says what it names).
 */
export function withImageFlags(cmd: Command): Command {
  answeringDockerFlags(cmd)
    .option('-e, --env <NAME=value>', 'set an environment variable; NAME alone takes its value here (repeat)', collect)
    .option(
      '-p, --publish <[[IP:]HOST:]CONTAINER[/udp]>',
      'publish a container port on its node, on one address of it with IP (repeat)',
      collect,
    )
    .option(
      '--expose <CONTAINER[-END][/udp]>',
      'a port other containers reach (by its service name too), bound to no host port (repeat)',
      collect,
    )
    .option(
      '-v, --volume <NAME:/path[:ro]>',
      'mount a named volume, or /dir:/path a directory of the node (repeat)',
      collect,
    )
    .option(
      '--tmpfs <PATH[:size=N]>',
      `mount a tmpfs at PATH (memory, empty at each start, counted in --memory); ${TMPFS_SIZE} (repeat)`,
      collect,
    )
    .option('-l, --label <key=value>', 'a label on the task (repeat)', collect)
    .option(
      '--secret <NAME|source=NAME,target=PATH>',
      'mount a secret as a read-only file, at /run/secrets/NAME unless target= says (uid=, gid=, mode=; repeat)',
      collect,
    )
    .option(
      '--config <NAME|source=NAME,target=PATH>',
      'mount a config as a read-only file, at /NAME unless target= says (uid=, gid=, mode=; repeat)',
      collect,
    )
    .option('--constraint <rule>', 'a rule its node must meet, such as "node.labels.zone == a" (repeat)', collect)
    .option('--cpu <cores>', 'cores to reserve, such as 0.5')
    .option('--memory <bytes>', "memory to reserve, the container's limit too, such as 256m (MiB, as docker) or 256Mi");
  withLimitFlags(cmd, 'image').option(
    '--restart <policy>',
    'never, always, on-failure or on-failure:N (default on-failure, at most 3 restarts in a row)',
  );
  return withHealthFlags(withContainerFlags(withProcessFlags(cmd, 'image'), 'image')).option(
    '--no-healthcheck',
    "turn off the image's own HEALTHCHECK",
  );
}

/** `--health-cmd` and its settings, as `docker run` and `docker service create|update` take them. */
export function withHealthFlags(cmd: Command): Command {
  return cmd
    .option('--health-cmd <command line>', 'a health check run in the container by /bin/sh; exit 0 is healthy')
    .option('--health-interval <duration>', 'how often the check runs (default 30s)')
    .option('--health-timeout <duration>', 'how long one check may take (default 30s, at most the interval)')
    .option('--health-retries <n>', 'failures in a row that make it unhealthy (default 3)')
    .option('--health-start-period <duration>', 'failures in this long after the start do not count');
}

/**
 * When its image is pulled (`docker run --pull`), and how the container's process runs and stops,
 * as `docker run` and `docker service create|update` spell them; `service update` (`'update'`)
 * takes --no-read-only too, and "" as the image's own.
 */
export function withProcessFlags(cmd: Command, kind: 'image' | 'update'): Command {
  const image = kind === 'image';
  const again = image ? '' : `; "" for the image's`;
  const graceAgain = image ? '' : `; "" for the worker's`;
  cmd
    .option(
      '--pull <policy>',
      'when workers pull the image: missing (default, only when the host lacks it), always (before each start), never',
    )
    .option(
      '--entrypoint <command line>',
      `in place of the image's ENTRYPOINT, split into words as a shell would; "" for none (the command alone)`,
    )
    .option('-u, --user <USER[:GROUP]>', `run as this user, and group (each a name or number)${again}`)
    .option('-w, --workdir <path>', `the process's working directory, an absolute path${again}`)
    .option(
      '--stop-signal <signal>',
      `what a stop sends first, such as SIGINT (default the image's STOPSIGNAL, else SIGTERM)${again}`,
    )
    .option(
      '--stop-grace-period <duration>',
      `how long a stop waits for the process before SIGKILL (default the worker's --stop-grace)${graceAgain}`,
    )
    .option(
      '--read-only',
      "mount the container's root filesystem read-only (volumes, secrets and configs as they are)",
    );
  return image ? cmd : cmd.option('--no-read-only', 'a writable root filesystem again');
}

/**
 * The container's host name, /etc/hosts entries, /dev/shm's size, process limits, capabilities,
 * sysctls, supplementary groups and log rotation, as `docker run` spells them (`'image'`) and as
 * `docker service update` does (`'update'`: --host-add|rm, --ulimit-add|rm, --sysctl-add|rm and
 * --group-add|rm for the lists, "" as Docker's own for the others).
 */
export function withContainerFlags(cmd: Command, kind: 'image' | 'update'): Command {
  const image = kind === 'image';
  const again = image ? '' : `; "" for Docker's`;
  cmd.option('--hostname <name>', `the container's host name (default the first 12 characters of its id)${again}`);
  if (image)
    cmd.option(
      '--add-host <NAME:ADDRESS>',
      "a line in the container's /etc/hosts; host-gateway as the ADDRESS is its node's (repeat)",
      collect,
    );
  else
    cmd
      .option(
        '--host-add <NAME:ADDRESS>',
        "add a line to the replicas' /etc/hosts; host-gateway as the ADDRESS is the node's (repeat)",
        collect,
      )
      .option('--host-rm <NAME[:ADDRESS]>', "remove NAME's /etc/hosts lines, or that one line (repeat)", collect);
  cmd.option('--shm-size <size>', `the size of /dev/shm, ${SHM_SIZE}; counted in --memory (default 64 MiB)${again}`);
  if (image) cmd.option('--ulimit <NAME=SOFT[:HARD]>', `a process limit, ${ULIMIT} (repeat)`, collect);
  else
    cmd
      .option(
        '--ulimit-add <NAME=SOFT[:HARD]>',
        `set a process limit in place of the one of that name, ${ULIMIT} (repeat)`,
        collect,
      )
      .option('--ulimit-rm <NAME>', 'remove a process limit (repeat)', collect);
  const taken = image ? '' : ', and take it from those dropped';
  const given = image ? '' : ', and take it from those added';
  cmd
    .option(
      '--cap-add <CAP>',
      `${image ? 'give the container' : 'add'} a Linux capability, such as NET_ADMIN${taken}; beyond Docker's ` +
        'default set, only workers that allow it (--allow-cap) run it (repeat)',
      collect,
    )
    .option('--cap-drop <CAP>', `take a Linux capability away, or ALL of them${given} (repeat)`, collect);
  if (image) cmd.option('--sysctl <NAME=VALUE>', `set a kernel parameter, ${SYSCTL} (repeat)`, collect);
  else
    cmd
      .option(
        '--sysctl-add <NAME=VALUE>',
        `set a kernel parameter in place of the one of that name, ${SYSCTL} (repeat)`,
        collect,
      )
      .option('--sysctl-rm <NAME>', 'remove a kernel parameter (repeat)', collect);
  cmd.option(
    '--group-add <GROUP>',
    `${image ? 'a' : 'add a'} supplementary group its process runs with: a name in the image's /etc/group, or a ` +
      'number (repeat)',
    collect,
  );
  if (!image) cmd.option('--group-rm <GROUP>', 'remove a supplementary group (repeat)', collect);
  return cmd.option(
    '--log-opt <KEY=VALUE>',
    `${LOG_OPT}${image ? '' : '; KEY= (nothing after =) for the default again'} (repeat)`,
    collect,
  );
}
