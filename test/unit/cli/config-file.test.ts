import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { CommanderError, type Command } from 'commander';
import { parse } from 'yaml';
import { buildProgram } from '../../../src/cli/commands.js';
import { configKeys, printConfig, runConfigured, type ConfigName } from '../../../src/cli/config-file.js';
import { managerOptions, type ManagerFlags } from '../../../src/cli/manager-action.js';
import { workerOptions, type WorkerFlags } from '../../../src/cli/worker-action.js';

// The config file of `poseidon manager|worker|dev` (issue 17): its keys are the commands' own
// flags, a flag or the environment wins over it, it wins over defaults, and what it says wrong
// (an unknown key, a value of the wrong kind, a value the flag refuses) is named by file and key.

const dir = mkdtempSync(join(tmpdir(), 'poseidon-config-file-'));
const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of [
    'POSEIDON_LOG_LEVEL',
    'POSEIDON_JOIN_TOKEN',
    'POSEIDON_MANAGER_JOIN_TOKEN',
    'POSEIDON_CONFIG_DIR',
  ]) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Parsed<F> {
  cmd: Command;
  flags: F;
  printed: string;
}

/**
 * Parses `poseidon NAME ARGS` as the CLI does, with the real config-file step, and `check` (the
 * command's own flag checks) where it would start the runtime; with --print-config, what it printed.
 */
async function run<F>(name: ConfigName, args: string[], check: (flags: F) => unknown = () => 0): Promise<Parsed<F>> {
  const program = buildProgram(name);
  const cmd = program.commands.find((c) => c.name() === name) as Command;
  let flags: F | undefined;
  let printed = '';
  cmd.action(async (_f: unknown, command: Command) => {
    const action = {
      check,
      run: async (f: F) => {
        check(f);
        flags = f;
      },
    };
    await runConfigured<F>(command, name, action, (text) => (printed += text));
  });
  await program.parseAsync(['node', 'poseidon', name, ...args]);
  return { cmd, flags: flags as F, printed };
}

test('every flag of manager, worker and dev is a key: its long name without dashes (--no-register: register)', () => {
  for (const name of ['manager', 'worker', 'dev'] as const) {
    const cmd = buildProgram(name).commands.find((c) => c.name() === name) as Command;
    const keys = configKeys(cmd);
    const flags = cmd.options
      .map((o) => o.long ?? '')
      .filter((l) => !['--config', '--print-config', '--clean'].includes(l));
    // --proxy and --no-proxy are one key
    assert.equal(keys.size, new Set(flags.map((l) => l.replace(/^--(no-)?/, ''))).size, name);
    for (const long of flags) assert.ok(keys.has(long.replace(/^--(no-)?/, '')), `${name} ${long}`);
  }
  const worker = configKeys(buildProgram('worker').commands[0] as Command);
  assert.equal(worker.get('register')?.long, '--no-register', 'a key is its first flag, not the one undoing it');
  assert.equal(worker.get('proxy')?.long, '--proxy');
  assert.equal(worker.get('data-dir')?.attributeName(), 'dataDir');
});

test('a flag wins over the file, the environment wins over the file, the file wins over defaults', async () => {
  const config = file('manager.yaml', 'port: 7000\nscheduler: roundrobin\nlog-level: warn\nhost: 127.0.0.2\n');
  process.env.POSEIDON_LOG_LEVEL = 'debug';
  const { flags } = await run<ManagerFlags>('manager', ['--config', config, '--host', '127.0.0.3'], managerOptions);
  assert.equal(flags.host, '127.0.0.3'); // flag over file
  assert.equal(flags.logLevel, 'debug'); // environment over file
  assert.equal(flags.port, '7000'); // file over default
  assert.equal(flags.scheduler, 'roundrobin');
  assert.equal(flags.heartbeatGrace, '3000ms'); // default
});

test('booleans and repeatable flags: true/false, a list or one value; --no-register is register: false', async () => {
  const config = file(
    'worker.yaml',
    'register: false\nproxy: true\nmanager: https://10.0.0.5:5555\nlabel: [zone=a, disk=ssd]\nallow-host-path: /srv/data\n',
  );
  const { flags } = await run<WorkerFlags>('worker', ['--config', config], workerOptions);
  assert.equal(flags.register, false);
  assert.equal(flags.proxy, true);
  assert.deepEqual(flags.label, ['zone=a', 'disk=ssd']);
  assert.deepEqual(flags.allowHostPath, ['/srv/data']);
  // a flag given replaces the file's list
  const flagged = await run<WorkerFlags>('worker', ['--config', config, '--label', 'zone=b'], workerOptions);
  assert.deepEqual(flagged.flags.label, ['zone=b']);
});

test('a flag wins over the file for true/false keys too: each has a flag that says the opposite', async () => {
  const config = file(
    'worker-booleans.yaml',
    'register: false\nproxy: true\nrecursion: false\nmanager: https://10.0.0.5:5555\n',
  );
  const filed = await run<WorkerFlags>('worker', ['--config', config], workerOptions);
  assert.deepEqual([filed.flags.register, filed.flags.proxy, filed.flags.recursion], [false, true, false]);
  const flagged = await run<WorkerFlags>(
    'worker',
    ['--config', config, '--register', '--no-proxy', '--recursion', '--print-config'],
    workerOptions,
  );
  const printed = parse(flagged.printed) as Record<string, unknown>;
  assert.deepEqual([printed.register, printed.proxy, printed.recursion], [true, false, true]);
  assert.match(flagged.printed, /^proxy: false # flag$/m);
  // without a file, the defaults are as before: --no-register alone made register true by default
  const none = await run<WorkerFlags>('worker', [], workerOptions);
  assert.deepEqual([none.flags.register, none.flags.proxy, none.flags.recursion], [true, undefined, true]);
  const manager = file('manager-booleans.yaml', 'metrics-open: true\n');
  const open = await run<ManagerFlags>('manager', ['--config', manager, '--no-metrics-open'], managerOptions);
  assert.equal(open.flags.metricsOpen, false);
  const dev = file('dev-booleans.yaml', 'demo: true\nrecursion: false\n');
  const devRun = await run<{ demo?: boolean; recursion: boolean }>('dev', [
    '--config',
    dev,
    '--no-demo',
    '--recursion',
  ]);
  assert.deepEqual([devRun.flags.demo, devRun.flags.recursion], [false, true]);
});

test('a comma-separated flag takes a YAML list, flow or block style: subnet-pool, manager, workers', async () => {
  const flow = file(
    'w-pool-flow.yaml',
    'subnet-pool: [10.213.0.0/16, 10.214.0.0/16]\nmanager: [10.0.0.5, 10.0.0.6:6000]\n',
  );
  const block = file('w-pool-block.yaml', 'subnet-pool:\n  - 10.213.0.0/16\n  - 10.214.0.0/16\n');
  const text = file('w-pool-text.yaml', 'subnet-pool: 10.213.0.0/16,10.214.0.0/16\n');
  for (const config of [flow, block, text]) {
    const { flags } = await run<WorkerFlags>('worker', ['--config', config], workerOptions);
    assert.deepEqual(workerOptions(flags).network?.subnetPool, ['10.213.0.0/16', '10.214.0.0/16'], config);
  }
  const flowed = await run<WorkerFlags>('worker', ['--config', flow], workerOptions);
  assert.equal(workerOptions(flowed.flags).managerUrl, 'https://10.0.0.5:5555,https://10.0.0.6:6000');
  const workers = file('m-workers.yaml', 'workers:\n  - 10.0.0.7\n  - https://10.0.0.8:7000\n');
  const { flags } = await run<ManagerFlags>('manager', ['--config', workers], managerOptions);
  assert.deepEqual(managerOptions(flags).staticWorkers, ['https://10.0.0.7:5556', 'https://10.0.0.8:7000']);
  // a flag given replaces the file's list, as for repeatable flags
  const flagged = await run<WorkerFlags>('worker', ['--config', flow, '--subnet-pool', '10.9.0.0/16'], workerOptions);
  assert.deepEqual(workerOptions(flagged.flags).network?.subnetPool, ['10.9.0.0/16']);
});

test("a list's bad entry is named with file and key: a block the flag refuses, a value not text", async () => {
  const badBlock = file('w-pool-bad.yaml', 'subnet-pool: [10.213.0.0/16, 10.214.0.0/33]\n');
  await assert.rejects(run('worker', ['--config', badBlock], workerOptions), {
    message: `${badBlock}: subnet-pool "10.214.0.0/33" is not an IPv4 block like 10.213.0.0/16`,
  });
  const notText = file('w-pool-map.yaml', 'subnet-pool:\n  - 10.213.0.0/16\n  - {a: 1}\n');
  await assert.rejects(run('worker', ['--config', notText], workerOptions), {
    message: `${notText}: subnet-pool entry 2 is {"a":1}; give a value (text or a number)`,
  });
  const empty = file('w-pool-empty.yaml', 'subnet-pool: []\n');
  await assert.rejects(run('worker', ['--config', empty], workerOptions), {
    message: `${empty}: subnet-pool is empty; give blocks such as 10.213.0.0/16`,
  });
  const badManager = file('w-manager-bad.yaml', 'manager: [10.0.0.5, "10.0.0.6:x"]\n');
  await assert.rejects(run('worker', ['--config', badManager], workerOptions), {
    message:
      `${badManager}: manager is "10.0.0.6:x"; use HOST, HOST:PORT, [IPv6]:PORT or a URL such as ` +
      'https://10.0.0.5:5555 (HOST alone: port 5555)',
  });
  // a key of one value does not take a list
  const listed = file('w-name-list.yaml', 'name: [a, b]\n');
  await assert.rejects(run('worker', ['--config', listed], workerOptions), {
    message: `${listed}: name is ["a","b"]; give a value (text or a number)`,
  });
});

test('--host-id: from the flag, the environment or the file, its form checked by the flag; absent, none is set', async () => {
  const config = file('worker-host.yaml', 'host-id: rack1-host3\n');
  const { flags } = await run<WorkerFlags>('worker', ['--config', config], workerOptions);
  assert.equal(workerOptions(flags).hostId, 'rack1-host3');
  process.env.POSEIDON_HOST_ID = 'from-env';
  try {
    assert.equal(workerOptions((await run<WorkerFlags>('worker', [])).flags).hostId, 'from-env');
  } finally {
    delete process.env.POSEIDON_HOST_ID;
  }
  assert.equal(workerOptions((await run<WorkerFlags>('worker', [])).flags).hostId, undefined, "the machine's own");
  await assert.rejects(run('worker', ['--host-id', 'a b'], workerOptions), {
    message: `--host-id is "a b"; use letters, digits, '.', '_', ':' or '-', at most 128, such as rack1-host3`,
  });
});

test('an unknown key is an error naming the file and the key, with the nearest one', async () => {
  const config = file('manager.yaml', 'port: 7000\nstroe: lmdb\n');
  await assert.rejects(run('manager', ['--config', config]), {
    message: `${config}: unknown key "stroe" (did you mean "store"?)`,
  });
  const far = file('worker.yaml', 'colour: blue\n');
  await assert.rejects(run('worker', ['--config', far]), { message: `${far}: unknown key "colour"` });
});

test('a file that is not YAML is named with the line to fix: a key indented too deep on line 3 is line 3', async () => {
  const config = file('indent.yaml', 'port: 7000\nscheduler: roundrobin\n  store: lmdb\n');
  await assert.rejects(run('manager', ['--config', config]), (err: unknown) => {
    assert.match(
      String((err as Error).message),
      /^\S+indent\.yaml: is not YAML: a key is indented .* at line 3, column 3;/,
    );
    return true;
  });
});

test('a value of the wrong kind, and a value the flag refuses, are named by file and key', async () => {
  const notBool = file('m1.yaml', 'metrics-open: "yes"\n');
  await assert.rejects(run('manager', ['--config', notBool]), {
    message: `${notBool}: metrics-open is "yes"; use true or false`,
  });
  const notText = file('m2.yaml', 'port: {a: 1}\n');
  await assert.rejects(run('manager', ['--config', notText]), {
    message: `${notText}: port is {"a":1}; give a value (text or a number)`,
  });
  const badPort = file('m3.yaml', 'port: 99999\n');
  await assert.rejects(run('manager', ['--config', badPort], managerOptions), {
    message: `${badPort}: port is "99999"; use a port between 0 and 65535`,
  });
  // the same rule from a flag names the flag
  await assert.rejects(run('manager', ['--port', '99999'], managerOptions), {
    message: '--port is "99999"; use a port between 0 and 65535',
  });
  // a lone manager has no group to join: the token would be ignored without a word
  await assert.rejects(run('manager', ['--join-token', 'PSDN-1-abc-def'], managerOptions), {
    message: '--join-token joins a manager group, which runs on etcd: add --store etcd://host:port',
  });
  // a duration without its unit meant milliseconds once: a 5 ms grace marks every node Down
  const bareGrace = file('m6.yaml', 'heartbeat-grace: 5\n');
  await assert.rejects(run('manager', ['--config', bareGrace], managerOptions), {
    message: `${bareGrace}: heartbeat-grace is "5", a number without a unit; write "5s" for seconds (or ms, m, h)`,
  });
  await assert.rejects(run('worker', ['--fence', '10'], workerOptions), {
    message: '--fence is "10", a number without a unit; write "10s" for seconds (or ms, m, h)',
  });
  assert.equal(managerOptions((await run<ManagerFlags>('manager', ['--engine-grace', '0'])).flags).engineGraceMs, 0);
  assert.equal(
    managerOptions((await run<ManagerFlags>('manager', ['--heartbeat-grace', '2500ms'])).flags).heartbeatGraceMs,
    2500,
  );
  // --restart-grace: 30s unless set, 0 turns the hold off, in a file as on the command line, within 0..24h
  assert.equal(managerOptions((await run<ManagerFlags>('manager', [])).flags).restartGraceMs, 30_000);
  assert.equal(managerOptions((await run<ManagerFlags>('manager', ['--restart-grace', '0'])).flags).restartGraceMs, 0);
  const restartGrace = file('m7.yaml', 'restart-grace: 2m\n');
  assert.equal(
    managerOptions((await run<ManagerFlags>('manager', ['--config', restartGrace])).flags).restartGraceMs,
    120_000,
  );
  const longGrace = file('m8.yaml', 'restart-grace: 25h\n');
  await assert.rejects(run('manager', ['--config', longGrace], managerOptions), {
    message: `${longGrace}: restart-grace is "25h"; durations run from 0 to 24h`,
  });
  const badScheduler = file('m4.yaml', 'scheduler: fastest\n');
  await assert.rejects(run('manager', ['--config', badScheduler], managerOptions), {
    message: `${badScheduler}: scheduler is "fastest"; use roundrobin or epvm`,
  });
  const notMapping = file('m5.yaml', '- port\n');
  await assert.rejects(run('manager', ['--config', notMapping]), /must be a mapping of keys to values/);
  await assert.rejects(
    run('manager', ['--config', join(dir, 'missing.yaml')]),
    /--config names .*missing\.yaml, which cannot be read: no such file or directory; check the path$/,
  );
});

test('without --config, <config dir>/<command>.yaml is read when it exists', async () => {
  const etc = mkdtempSync(join(dir, 'etc-'));
  process.env.POSEIDON_CONFIG_DIR = etc;
  assert.equal((await run<ManagerFlags>('manager', [])).flags.port, '5555');
  writeFileSync(join(etc, 'manager.yaml'), 'port: 6001\n');
  assert.equal((await run<ManagerFlags>('manager', [])).flags.port, '6001');
});

test('a path written with ~ is refused naming file and key: no shell expands it there', async () => {
  const config = file('tilde.yaml', 'data-dir: ~/poseidon\nallow-host-path: [/srv, ~/data]\n');
  await assert.rejects(run('worker', ['--config', config, '--print-config'], workerOptions), {
    message:
      `${config}: data-dir is "~/poseidon"; no shell reads this file to expand ~: write the whole path ` +
      `(${JSON.stringify(join(homedir(), 'poseidon'))} for this user)`,
  });
  const list = file('tilde-list.yaml', 'allow-host-path: [/srv, ~/data]\n');
  await assert.rejects(run('worker', ['--config', list, '--print-config'], workerOptions), {
    message: new RegExp(`^${list}: allow-host-path entry 2 is "~/data"; no shell reads this file to expand ~`),
  });
});

test('a default file that cannot be read is named as such, not as something --config named', async () => {
  const etc = mkdtempSync(join(dir, 'etc-unreadable-'));
  process.env.POSEIDON_CONFIG_DIR = etc;
  mkdirSync(join(etc, 'worker.yaml')); // there, and not a file (as root, a mode 0600 file would read)
  await assert.rejects(run('worker', ['--print-config']), {
    message:
      `${join(etc, 'worker.yaml')}: cannot be read: it is a directory; give a file ` +
      '(poseidon worker reads it when it exists; --config FILE reads another)',
  });
});

test('--print-config prints the merged values as YAML the file takes back, each with its source, secrets not shown', async () => {
  const config = file('w.yaml', 'name: edge-1\nlabel: [zone=a]\n');
  process.env.POSEIDON_JOIN_TOKEN = `PSDN-1-${'a'.repeat(64)}-${'5ec7e7'.repeat(5)}ab`;
  const { printed, cmd } = await run<WorkerFlags>('worker', ['--config', config, '--port', '7100', '--print-config']);
  assert.ok(cmd.getOptionValue('printConfig'));
  const values = parse(printed) as Record<string, unknown>;
  assert.equal(values.name, 'edge-1');
  assert.equal(values.port, 7100);
  assert.deepEqual(values.label, ['zone=a']);
  assert.equal(values['join-token'], '[not shown]');
  assert.doesNotMatch(printed, /5ec7e7/);
  assert.match(printed, /^port: 7100 # flag$/m);
  assert.match(printed, /^name: edge-1 # file$/m);
  assert.match(printed, /^join-token: .* # env POSEIDON_JOIN_TOKEN$/m);
  assert.match(printed, /^host: 127\.0\.0\.1 # default$/m);
  assert.match(printed, /^label: \[ zone=a \] # file$/m, 'a list says its source too');
  // printed, it reads back as the same configuration
  delete values['join-token'];
  const again = file('again.yaml', printed.replace(/^join-token:.*$/m, ''));
  const back = await run<WorkerFlags>('worker', ['--config', again], workerOptions);
  assert.equal(back.flags.port, '7100');
  assert.equal(back.flags.name, 'edge-1');
  assert.equal(printConfig(back.cmd, 'worker', { file: again, fromFile: new Set() }).includes('name: edge-1'), true);
});

test("a manager takes its group's join token from POSEIDON_MANAGER_JOIN_TOKEN, off the command line `ps` shows", async () => {
  const token = `PSDN-1-${'b'.repeat(64)}-${'5ec7e7'.repeat(5)}ab`;
  process.env.POSEIDON_MANAGER_JOIN_TOKEN = token;
  const etcd = ['--store', 'etcd://127.0.0.1:2379'];
  const { flags } = await run<ManagerFlags>('manager', etcd, managerOptions);
  assert.equal(managerOptions(flags).joinToken, token);
  const { printed } = await run<ManagerFlags>('manager', [...etcd, '--print-config'], managerOptions);
  assert.match(printed, /^join-token: .* # env POSEIDON_MANAGER_JOIN_TOKEN$/m);
  assert.doesNotMatch(printed, /5ec7e7/);
  // a worker's token in the environment (a host that runs both) is not a lone manager's
  delete process.env.POSEIDON_MANAGER_JOIN_TOKEN;
  process.env.POSEIDON_JOIN_TOKEN = token;
  assert.equal(managerOptions((await run<ManagerFlags>('manager', [], managerOptions)).flags).joinToken, undefined);
});

test('--print-config checks the values first: a bad one is the same error, and nothing is printed', async () => {
  const config = file('bad.yaml', 'subnet: 10.0.0.0/33\n');
  await assert.rejects(run('worker', ['--config', config, '--print-config'], workerOptions), (err: Error) =>
    err.message.startsWith(`${config}: subnet `),
  );
});

test('a log level that is not one is refused from the flag, the environment and the file, naming each, before anything', async () => {
  const levels = 'trace, debug, info, warn, error, fatal, silent';
  const silenced = { writeErr: () => undefined, outputError: () => undefined };
  const parsed = async (name: ConfigName, args: string[]): Promise<unknown> => {
    const program = buildProgram(name).configureOutput(silenced);
    for (const c of program.commands) c.configureOutput(silenced);
    return program.parseAsync(['node', 'poseidon', name, ...args]).catch((e: unknown) => e);
  };
  const flag = (await parsed('worker', ['--log-level', 'loud', '--print-config'])) as CommanderError;
  assert.ok(flag instanceof CommanderError, String(flag));
  assert.equal(flag.code, 'commander.invalidArgument');
  assert.match(flag.message, /--log-level <level>' argument 'loud' is invalid\. Allowed choices are trace, debug,/);
  process.env.POSEIDON_LOG_LEVEL = 'verbose';
  const env = (await parsed('manager', ['--print-config'])) as CommanderError;
  assert.ok(env instanceof CommanderError, String(env));
  assert.match(env.message, /value 'verbose' from env 'POSEIDON_LOG_LEVEL' is invalid\. Allowed choices are trace,/);
  delete process.env.POSEIDON_LOG_LEVEL;
  const loud = file('loud.yaml', 'log-level: loud\n');
  let printed = '';
  await assert.rejects(
    run('dev', ['--config', loud, '--print-config'], () => (printed = 'checked')),
    {
      message: `${loud}: log-level is "loud"; use one of ${levels}`,
    },
  );
  assert.equal(printed, '', 'refused as the file is read, before any check or print');
  // each level pino has is taken
  const fine = file('fine.yaml', 'log-level: silent\n');
  assert.equal((await run<WorkerFlags>('worker', ['--config', fine])).flags.logLevel, 'silent');
});

test("the cores a worker offers, from --cpu or the file's cpu: a decimal, as a task's --cpu", async () => {
  assert.equal(workerOptions((await run<WorkerFlags>('worker', ['--cpu', '1.5'])).flags).cpuCores, 1.5);
  const config = file('cpu.yaml', 'cpu: .5\n');
  assert.equal(workerOptions((await run<WorkerFlags>('worker', ['--config', config])).flags).cpuCores, 0.5);
});

test('a join token not of its form is refused with the flags, before the worker makes its network or data dir', async () => {
  await assert.rejects(run<WorkerFlags>('worker', ['--join-token', 'PSDN-1-nothex-abc'], workerOptions), {
    message: /^the join token is not of the form PSDN-1-<64 hex digits>-<32 hex digits>$/,
  });
});

test('--print-config refuses what the start refuses, with the same words: from a flag or from the file', async () => {
  const dnsPort = file('dns.yaml', 'dns-port: 70000\n');
  const timeout = file('timeout.yaml', 'proxy-timeout: 0\n');
  const noCpu = file('no-cpu.yaml', 'cpu: 0\n');
  const v6Manager = file('v6-manager.yaml', 'manager: "::1"\n');
  const cases: Array<[ConfigName, string[], (flags: never) => unknown, string]> = [
    // the DNS server's values are checked without --proxy too: a bad value is a bad value
    ['worker', ['--dns-port', '70000'], workerOptions, '--dns-port is "70000"; use a port between 0 and 65535'],
    ['worker', ['--config', dnsPort], workerOptions, `${dnsPort}: dns-port is "70000"; use a port between 0 and 65535`],
    [
      'worker',
      ['--config', timeout],
      workerOptions,
      `${timeout}: proxy-timeout is "0"; use a whole number from 1 to 86400`,
    ],
    ['worker', ['--dns-ttl', '-1'], workerOptions, '--dns-ttl is "-1"; use a whole number from 0 to 86400'],
    [
      'worker',
      ['--proxy-udp-timeout', '0'],
      workerOptions,
      '--proxy-udp-timeout is "0"; use a whole number from 1 to 86400',
    ],
    // the cores a worker offers are read as a task's --cpu is: a plain decimal above 0
    ['worker', ['--cpu', '1e3'], workerOptions, '--cpu is "1e3"; use a number of cores above 0, such as 0.5'],
    ['worker', ['--cpu', ' 2'], workerOptions, '--cpu is " 2"; use a number of cores above 0, such as 0.5'],
    ['worker', ['--config', noCpu], workerOptions, `${noCpu}: cpu is "0"; use a number of cores above 0, such as 0.5`],
    [
      'worker',
      ['--config', v6Manager],
      workerOptions,
      `${v6Manager}: manager is "::1"; put an IPv6 address in brackets: [::1]:5555`,
    ],
    // the start reads the credentials file before anything else
    [
      'worker',
      ['--registry-auth', join(dir, 'none.json')],
      workerOptions,
      `--registry-auth cannot read ${join(dir, 'none.json')}: no such file or directory; check the path`,
    ],
    // refused once etcd was reached, before: a group's workers join, none is polled
    [
      'manager',
      ['--store', 'etcd://127.0.0.1:2379', '--workers', 'w1:5556'],
      managerOptions,
      '--workers is for a lone manager; workers of a group join with the join token',
    ],
  ];
  for (const [name, args, check, message] of cases) {
    await assert.rejects(
      run(name, [...args, '--print-config'], check),
      { message },
      `${name} ${args.join(' ')} --print-config`,
    );
    await assert.rejects(run(name, args, check), { message }, `${name} ${args.join(' ')}`);
  }
});
