import type { ViewFormat } from './view-format.js';

// The inspect commands' --format, whose reader (view-format.ts, and row-format's tables with it)
// is loaded only when one is given.

/** `flags.format` read (refused beside --json) before the manager is asked; undefined when none. */
export async function viewFormatOf(flags: { format?: string; json?: boolean }): Promise<ViewFormat | undefined> {
  return flags.format === undefined ? undefined : (await import('./view-format.js')).inspectFormat(flags);
}
