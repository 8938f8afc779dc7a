import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cli from '../../../src/cli/defaults.js';
import { buildProgram } from '../../../src/cli/commands.js';
import { parseTtl } from '../../../src/auth/index.js';
import { MANAGER_PORT } from '../../../src/client/index.js';
import { DEFAULT_ENGINE_GRACE_MS, DEFAULT_RESTART_GRACE_MS } from '../../../src/manager/wiring.js';
import { DEFAULT_PLAIN_TASK_HISTORY, DEFAULT_TASK_HISTORY } from '../../../src/manager/services/task-history.js';
import { DEFAULT_CERT_TTL_MS } from '../../../src/pki/index.js';
import { STRATEGY_NAMES } from '../../../src/scheduler/index.js';
import { DEFAULT_START_CONCURRENCY } from '../../../src/worker/index.js';

// The CLI restates a few of the components' values so that registering its commands loads no
// component (src/cli/defaults.ts); these keep the two from drifting apart.

test("the CLI's --engine-grace default is the manager's own", () => {
  assert.equal(cli.DEFAULT_ENGINE_GRACE_MS, DEFAULT_ENGINE_GRACE_MS);
});

test("the CLI's --restart-grace default is the manager's own", () => {
  assert.equal(cli.DEFAULT_RESTART_GRACE_MS, DEFAULT_RESTART_GRACE_MS);
});

test("the CLI's --task-history and --plain-task-history defaults are the manager's own", () => {
  assert.equal(cli.DEFAULT_TASK_HISTORY, DEFAULT_TASK_HISTORY);
  assert.equal(cli.DEFAULT_PLAIN_TASK_HISTORY, DEFAULT_PLAIN_TASK_HISTORY);
});

test("the CLI's --cert-ttl default is the certificates' own", () => {
  assert.equal(parseTtl('--cert-ttl', cli.DEFAULT_CERT_TTL), DEFAULT_CERT_TTL_MS);
});

test("the CLI's --start-concurrency default is the worker's own", () => {
  assert.equal(cli.DEFAULT_START_CONCURRENCY, DEFAULT_START_CONCURRENCY);
});

test('the CLI offers exactly the strategies the scheduler knows, and its default is one of them', () => {
  assert.deepEqual([...cli.STRATEGY_NAMES].sort(), [...STRATEGY_NAMES].sort());
  assert.ok((STRATEGY_NAMES as readonly string[]).includes(cli.DEFAULT_STRATEGY));
});

test("manager and dev name every strategy in --scheduler's help and default to the CLI's", () => {
  const program = buildProgram();
  for (const name of ['manager', 'dev']) {
    const option = program.commands.find((c) => c.name() === name)?.options.find((o) => o.long === '--scheduler');
    assert.ok(option !== undefined, `${name} has --scheduler`);
    for (const strategy of STRATEGY_NAMES) assert.match(option.description, new RegExp(`\\b${strategy}\\b`));
    assert.equal(option.defaultValue, cli.DEFAULT_STRATEGY);
  }
});

test("the parser's version is package.json's, which bin/poseidon.js prints for --version before the parser loads", async () => {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(buildProgram().version(), pkg.version);
});

test("the CLI's --network, --subnet-pool and --vip-range defaults are discovery's own", async () => {
  const discovery = await import('../../../src/discovery/index.js');
  assert.equal(cli.DEFAULT_NETWORK, discovery.DEFAULT_NETWORK);
  assert.equal(cli.DEFAULT_SUBNET_POOL, discovery.DEFAULT_SUBNET_POOL.join(','));
  assert.equal(cli.DEFAULT_VIP_RANGE, discovery.DEFAULT_VIP_RANGE);
  // the pool's first block is the default subnet, whose upper half is the default VIP range
  assert.equal(discovery.DEFAULT_SUBNET_POOL[0], discovery.DEFAULT_SUBNET);
});

test('--task-network defaults to one of the places the driver knows, and a bad value names the flag', async () => {
  const { TASK_NETWORKS } = await import('../../../src/driver/index.js');
  const { networkFlags } = await import('../../../src/cli/network-flags.js');
  assert.ok((TASK_NETWORKS as readonly string[]).includes(cli.DEFAULT_TASK_NETWORK));
  const flags = { network: 'poseidon0', subnet: '10.213.0.0/16', subnetPool: cli.DEFAULT_SUBNET_POOL };
  assert.equal(networkFlags({ ...flags, taskNetwork: 'poseidon' }).tasks, 'poseidon');
  assert.equal(networkFlags({ ...flags, taskNetwork: cli.DEFAULT_TASK_NETWORK }).tasks, 'bridge');
  assert.throws(() => networkFlags({ ...flags, taskNetwork: 'host' }), /--task-network.*"host".*bridge or poseidon/);
});

test('--plain-task-history takes its whole range, up to 1000000 (seven digits)', async () => {
  const { historyFlags } = await import('../../../src/cli/manager-action.js');
  assert.equal(historyFlags({ taskHistory: '5', plainTaskHistory: '1000000' }).plainTaskHistory, 1_000_000);
  assert.throws(
    () => historyFlags({ taskHistory: '5', plainTaskHistory: '1000001' }),
    /--plain-task-history is "1000001"; use a whole number from 0 to 1000000/,
  );
});

test("the CLI's manager port is the one the client's address parser gives a HOST alone", () => {
  assert.equal(cli.DEFAULT_MANAGER_PORT, MANAGER_PORT);
});
