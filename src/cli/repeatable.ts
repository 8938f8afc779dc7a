import type { Option } from 'commander';

// Flags that take several values, and how the config file (config-file.ts) knows them.

/**
 * commander's collector for a repeatable flag (`--label a=1 --label b=2`). The config file
 * knows a flag takes a list by this function.
 */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const COMMA_LISTS = new WeakSet<Option>();

/**
 * Marks a flag whose one value is a comma-separated list (`--subnet-pool A,B`): its config file
 * key takes that text or a YAML list (`subnet-pool: [A, B]`), which is read as `A,B`.
 */
export function commaList(option: Option): Option {
  COMMA_LISTS.add(option);
  return option;
}

/** Whether `option` was marked by commaList. */
export function isCommaList(option: Option): boolean {
  return COMMA_LISTS.has(option);
}
