/**
 * commander's collector for a repeatable flag (`--label a=1 --label b=2`). The config file
 * (config-file.ts) knows a flag takes a list by this function.
 */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
