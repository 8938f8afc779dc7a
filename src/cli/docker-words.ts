// Commands a Docker user types out of habit, and what Poseidon calls them: said after commander's
// "unknown command 'ps'", which alone leaves them guessing (its nearest names are often unrelated).

const DOCKER_WORDS: Readonly<Record<string, string>> = {
  ps: 'poseidon status lists tasks (poseidon service ps NAME, the replicas of a service)',
  inspect: 'poseidon status TASK shows a task (service inspect, node inspect, volume inspect the others)',
  rm: 'poseidon stop TASK stops a task for good (poseidon service rm NAME removes a service)',
  kill: 'poseidon stop TASK stops a task for good',
  restart: "poseidon service update NAME --force restarts a service's replicas",
  start: 'poseidon run IMAGE starts a task',
};

/** commander's error line, with Poseidon's name for a Docker command it did not know. */
export function withDockerWord(message: string): string {
  const word = /^error: unknown command '([^']*)'/.exec(message)?.[1];
  const hint = word === undefined || !Object.hasOwn(DOCKER_WORDS, word) ? undefined : DOCKER_WORDS[word];
  if (hint === undefined) return message;
  // in place of commander's nearest names (`start`: "Did you mean one of stack, stats?")
  return `error: unknown command '${word}': ${hint}\n`;
}
