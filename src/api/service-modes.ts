// A service's modes, without TypeBox: the CLI and the console read them and load no schema library
// (cli-modules.test.ts).

/** Replicas a service may want, at most; also the most moved at once, and a job's most at once. */
export const MAX_REPLICAS = 10_000;

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

/** How far a job's run is, as the CLI and the console print it: "3/3 completed", "2/3 completed, 1 failed". */
export function jobCounts(j: { completed: number; failed: number; total: number }): string {
  return `${j.completed}/${j.total} completed${j.failed > 0 ? `, ${j.failed} failed` : ''}`;
}
