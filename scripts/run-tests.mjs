// Runs every compiled test file under dist/test with node's test runner: unit tests first,
// then integration tests (real Docker engine, real processes), then security tests (attacks
// on real servers and processes), then browser tests (the web console in headless Chromium
// against a real manager and workers). scripts/check-test-env.mjs
// has already checked that what they need is installed.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(find(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out.sort();
}

const files = [
  ...find('dist/test/unit'),
  ...find('dist/test/integration'),
  ...find('dist/test/security'),
  ...find('dist/test/browser'),
];
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
