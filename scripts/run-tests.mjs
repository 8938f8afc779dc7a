// Runs every compiled test file under dist/test with node's test runner: unit tests first,
// then integration tests (real Docker engine, real processes), then security tests (attacks
// on real servers and processes), then browser tests (the web console in headless Chromium
// against a real manager and workers). scripts/check-test-env.mjs
// has already checked that what they need is installed.
//
// The TAP stream goes to stdout as it comes. A second reporter (spec) writes to a file; when a
// run fails, its list of failing tests, and what the runner said of tests that went on after
// they ended, are printed last, so the end of a long CI log names what failed.
//
// The workers the integration tests spawn without `--network` make Poseidon's default network
// (poseidon0), as `poseidon worker` does. When the run made it, it is removed at the end, once no
// container is on it (the engine refuses otherwise): a test run leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * From the spec report: its notes on tests that went on after they ended, the failing tests one
 * line each (where, and the name), then their details, at most `max` lines in all.
 */
function failures(report, max = 150) {
  const lines = report.split('\n');
  const late = lines.filter((l) => l.includes('generated asynchronous activity after the test ended'));
  const at = lines.findIndex((l) => l.includes('failing tests:'));
  const failing = at === -1 ? [] : lines.slice(at + 1);
  const names = [];
  for (let i = 0; i < failing.length; i++) {
    if (failing[i].startsWith('test at ')) names.push(`${failing[i].slice(8)}: ${failing[i + 1] ?? ''}`);
  }
  const out = [...late, ...(names.length > 0 ? ['failing tests:', ...names, '', 'details:'] : []), ...failing];
  return out.length > max ? [...out.slice(0, max), `… ${out.length - max} more lines`] : out;
}

const files = [
  ...find('dist/test/unit'),
  ...find('dist/test/integration'),
  ...find('dist/test/security'),
  ...find('dist/test/browser'),
];
/** Poseidon's default network (src/cli/defaults.ts): workers started without --network make it. */
const DEFAULT_NETWORK = 'poseidon0';
const docker = (args) => spawnSync('docker', args, { stdio: 'ignore' }).status === 0;
const networkBefore = docker(['network', 'inspect', DEFAULT_NETWORK]);
const dir = mkdtempSync(join(tmpdir(), 'poseidon-tests-'));
const spec = join(dir, 'spec.txt');
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    '--test-reporter=tap',
    '--test-reporter-destination=stdout',
    '--test-reporter=spec',
    `--test-reporter-destination=${spec}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
if (result.status !== 0) {
  let report = '';
  try {
    report = readFileSync(spec, 'utf8');
  } catch {
    // no report written: the runner itself failed to start, and said why above
  }
  const lines = failures(report);
  if (lines.length > 0) process.stdout.write(`\n# what failed (the spec reporter's summary):\n${lines.join('\n')}\n`);
}
rmSync(dir, { recursive: true, force: true });
if (!networkBefore && docker(['network', 'inspect', DEFAULT_NETWORK])) {
  const removed = docker(['network', 'rm', DEFAULT_NETWORK]);
  process.stdout.write(
    removed
      ? `# removed the network ${DEFAULT_NETWORK} the tests made\n`
      : `# the network ${DEFAULT_NETWORK} the tests made is still in use: left in place\n`,
  );
}
process.exit(result.status ?? 1);
