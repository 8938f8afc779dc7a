// Runs every compiled test file under dist/test with node's test runner: unit tests first,
// then integration tests (real Docker engine, real processes). Integration tests need the
// engine and the local image; without them this stops with what to run.
import { execFileSync, spawnSync } from 'node:child_process';
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

const image = process.env.POSEIDON_TEST_IMAGE ?? 'poseidon/busybox:latest';
try {
  execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
} catch {
  console.error(`npm test: the Docker engine is not reachable or the test image ${image} is missing.`);
  console.error('Run as root: bash scripts/setup-docker.sh && bash scripts/setup-images.sh');
  process.exit(1);
}

const files = [...find('dist/test/unit'), ...find('dist/test/integration')];
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
