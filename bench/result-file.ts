import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** bench/results/ of this checkout (this file runs as dist/bench/result-file.js); git-ignored. */
const RESULTS_DIR = new URL('../../bench/results/', import.meta.url);

/** Writes `bench/results/<name>.json` and returns its path relative to the repo root. */
export async function writeResult(name: string, result: unknown): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = new URL(`${name}.json`, RESULTS_DIR);
  await writeFile(fileURLToPath(file), `${JSON.stringify(result, null, 2)}\n`);
  return `bench/results/${name}.json`;
}
