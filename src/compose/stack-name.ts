import { isDnsLabel } from '../task/index.js';

/**
 * The default stack name, from a directory's name as `docker compose` makes a project name:
 * lowercased, every run of characters a DNS label cannot hold made one "-", trimmed to 40
 * characters (room for `-<service>`). Null when nothing is left.
 */
export function stackNameFrom(dirName: string): string | null {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
  return isDnsLabel(name) ? name : null;
}
