// A Pending task's fields as the CLI and console tests of an unplaceable task share them: its
// plain reason while it waits for room (WAITS), and why no node could ever hold it (NEVER).

export const WAITS = '0/2 nodes can hold it: 2 nodes have less than 500 GiB memory free';
export const NEVER = {
  reason: '0/2 nodes could ever hold it: 2 nodes have less than 500 GiB memory in all (the biggest, w1, has 23.5 GiB)',
  cause: 'memory',
};
export const pending = {
  state: 'Pending',
  node: null,
  nodeId: null,
  containerId: null,
  startedAt: null,
  reason: WAITS,
} as const;
