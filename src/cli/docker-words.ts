import type { Command } from 'commander';

// Commands and flags a Docker user types out of habit, and what Poseidon calls them: said after
// commander's "unknown command 'ps'" or "unknown option '--cpus'", which alone leave them guessing
// (its nearest names are often unrelated).

const DOCKER_WORDS: Readonly<Record<string, string>> = {
  ps: 'poseidon status lists tasks (poseidon service ps NAME, the replicas of a service)',
  inspect: 'poseidon status TASK shows a task (service inspect, node inspect, volume inspect the others)',
  rm: 'poseidon stop TASK stops a task for good (poseidon service rm NAME removes a service)',
  kill: 'poseidon stop TASK stops a task for good',
  restart: "poseidon service update NAME --force restarts a service's replicas",
  start: 'poseidon run IMAGE starts a task',
};

const NO_TERMINAL =
  'poseidon run has no terminal: poseidon exec -it TASK sh opens a shell in a running task, ' +
  'poseidon logs -f TASK follows its output';
const NOT_OFFERED = 'tasks run unprivileged: --cap-add CAP gives one capability (on workers started with --allow-cap)';

/** Flags of `docker run` and `docker service create` that Poseidon spells otherwise, or has no need of. */
const DOCKER_FLAGS: Readonly<Record<string, string>> = {
  '-d': 'poseidon answers once the work is accepted and never attaches (--wait waits for it); leave -d out',
  '--detach': 'poseidon answers once the work is accepted and never attaches (--wait waits for it); leave --detach out',
  '--rm': "an ended task's container is kept for poseidon logs; leave --rm out",
  '-i': NO_TERMINAL,
  '-t': NO_TERMINAL,
  '-it': NO_TERMINAL,
  '-ti': NO_TERMINAL,
  '--interactive': NO_TERMINAL,
  '--tty': NO_TERMINAL,
  '--image': 'the image is the first argument, not a flag: poseidon run IMAGE [COMMAND...]',
  '--command':
    "the command follows the image (poseidon run IMAGE COMMAND...); poseidon service update NAME --args 'COMMAND' " +
    "changes a service's",
  '-m': "--memory 256m reserves memory and is the container's limit",
  '--cpus': '--cpu N reserves cores (a share of the cpu by weight); --cpu-limit N holds it to N, as --cpus does',
  '--limit-cpu': '--cpu-limit N',
  '--reserve-cpu': '--cpu N',
  '--limit-memory': "--memory 256m (reserved, and the container's limit)",
  '--reserve-memory': "--memory 256m (reserved, and the container's limit)",
  '--limit-pids': '--pids-limit N',
  '--stop-timeout': '--stop-grace-period 10s',
  '-P': '-p CONTAINER publishes a container port on a free host port (repeat for each port)',
  '--publish-all': '-p CONTAINER publishes a container port on a free host port (repeat for each port)',
  '--mount': '-v NAME:/path[:ro] mounts a volume, -v /dir:/path a directory of the node, --tmpfs PATH a tmpfs',
  '--env-file': '-e NAME=value sets a variable (-e NAME takes its value from here; repeat), or a task file lists env',
  '--network': "a task joins its worker's network (poseidon worker --network NAME), where it reaches services by name",
  '--net': "a task joins its worker's network (poseidon worker --network NAME), where it reaches services by name",
  '--link': 'a task reaches a service by its name (--expose the port it serves); no links are needed',
  '--dns': "a task's resolver is its worker's DNS server, which answers service names and forwards the rest",
  '--log-driver':
    "a task logs to Docker's json-file, which poseidon logs reads; --log-opt max-size=10m,max-file=3 sizes it",
  '--privileged': NOT_OFFERED,
  '--device': NOT_OFFERED,
  '--init': "no --init: an image whose entrypoint reaps child processes (such as tini's) does its job",
};

const DETACHED =
  'poseidon deploy returns once the services are created or updated (--wait waits for them to be healthy); ' +
  'leave it out';

/** Flags of `docker stack deploy` that Poseidon has no need of, said with why. */
const STACK_DEPLOY_FLAGS: Readonly<Record<string, string>> = {
  '--with-registry-auth':
    'workers pull with their own credentials (docker login on each worker host, or poseidon worker ' +
    '--registry-auth FILE); leave it out',
  '--resolve-image':
    'a worker pulls the image as the file names it when it starts a replica (pull_policy: always to pull ' +
    'each time); leave it out',
  '-d': DETACHED,
  '--detach': DETACHED,
};

/**
 * commander's error line, with Poseidon's name for a Docker command it did not know, in place of
 * commander's nearest names (`start`: "Did you mean one of stack, stats?").
 */
export function withDockerWord(message: string): string {
  const word = /^error: unknown command '([^']*)'/.exec(message)?.[1];
  if (word === undefined || !Object.hasOwn(DOCKER_WORDS, word)) return message;
  return `error: unknown command '${word}': ${DOCKER_WORDS[word]}\n`;
}

/** commander's error line, with what to type for a `docker run` flag it did not know (its "Did you mean" too). */
export function withDockerFlag(message: string, known: Readonly<Record<string, string>> = DOCKER_FLAGS): string {
  const flag = /^error: unknown option '([^'=]*)/.exec(message)?.[1];
  if (flag === undefined || !Object.hasOwn(known, flag)) return message;
  return `error: unknown option '${flag}': ${known[flag]}\n`;
}

/** Answers `docker stack deploy`'s flags Poseidon has no need of, on `deploy` and `stack deploy`. */
export function answeringStackDeployFlags(cmd: Command): Command {
  const { outputError } = cmd.configureOutput();
  return cmd.configureOutput({
    outputError: (str, write) => (outputError ?? write)(withDockerFlag(str, STACK_DEPLOY_FLAGS), write),
  });
}

/**
 * Answers `docker run`'s flags on a command that takes them (run, service create and update):
 * only there, since other commands' flags mean other things (`docker stop -t` is a timeout).
 */
export function answeringDockerFlags(cmd: Command): Command {
  const { outputError } = cmd.configureOutput();
  return cmd.configureOutput({
    outputError: (str, write) => (outputError ?? write)(withDockerFlag(str), write),
  });
}
