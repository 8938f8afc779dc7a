// A service's modes, without TypeBox: the CLI and the console read them and load no schema library
// (cli-modules.test.ts).

/** What `mode` may say; absent means `replicated`. */
export type ServiceModeName = 'replicated' | 'global' | 'replicated-job' | 'global-job';

export const SERVICE_MODES: readonly ServiceModeName[] = ['replicated', 'global', 'replicated-job', 'global-job'];

/** One slot on each node that meets the constraints (`global`, `global-job`), not `replicas` of them. */
export function isGlobalMode(mode: string | undefined): boolean {
  return mode === 'global' || mode === 'global-job';
}

/** Runs to completion (`replicated-job`, `global-job`): no rollout, and a task that exits 0 is done. */
export function isJobMode(mode: string | undefined): boolean {
  return mode === 'replicated-job' || mode === 'global-job';
}
