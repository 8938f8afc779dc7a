import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { MAX_PREFERENCES } from '../../../src/api/index.js';
import { buildProgram } from '../../../src/cli/commands.js';
import { MAX_PLACEMENT_PREFS } from '../../../src/cli/placement-pref.js';
import { imageServiceSpec, modeFlag, sizeText } from '../../../src/cli/service-action.js';
import { parseServiceSpec } from '../../../src/service/index.js';

// `poseidon service create [--mode M] [--replicas N] [--placement-pref P] IMAGE`: the spec it sends,
// every flag checked first.

test('--mode global: a global spec with no replicas, as the manager reads it', () => {
  const spec = imageServiceSpec('nginx:1.27', [], { mode: 'global', name: 'edge' });
  assert.deepEqual(spec, { name: 'edge', mode: 'global', task: { image: 'nginx:1.27' } });
  const parsed = parseServiceSpec(spec);
  assert.equal(parsed.mode, 'global');
  assert.equal('replicas' in parsed, false);
});

test('--mode replicated, or none: the spec says no mode (so a manager before global services takes it)', () => {
  assert.deepEqual(imageServiceSpec('nginx:1.27', [], { mode: 'replicated', replicas: '3' }), {
    name: 'nginx',
    replicas: 3,
    task: { image: 'nginx:1.27' },
  });
  assert.deepEqual(imageServiceSpec('nginx:1.27', [], {}), { name: 'nginx', task: { image: 'nginx:1.27' } });
});

test('--mode global with --replicas is refused naming both; a mode that is neither is refused naming --mode', () => {
  assert.throws(() => imageServiceSpec('nginx:1.27', [], { mode: 'global', replicas: '2' }), {
    message:
      /^--replicas is for a replicated service; --mode global runs one replica on each node that meets the constraints: leave --replicas out$/,
  });
  for (const bad of ['Global', 'everywhere', ''])
    assert.throws(() => imageServiceSpec('nginx:1.27', [], { mode: bad }), {
      message: new RegExp(`^--mode is ${JSON.stringify(bad)}; use replicated, global, replicated-job or global-job$`),
    });
  assert.equal(modeFlag('global'), 'global');
  assert.equal(modeFlag('replicated'), 'replicated');
  assert.equal(modeFlag('replicated-job'), 'replicated-job');
  assert.equal(modeFlag('global-job'), 'global-job');
});

test('--mode replicated-job --replicas 5 --max-concurrent 2: a job of 5 completions, 2 at a time, as the manager reads it', () => {
  const spec = imageServiceSpec('busybox', ['sh', '-c', 'echo done'], {
    mode: 'replicated-job',
    replicas: '5',
    maxConcurrent: '2',
    name: 'migrate',
  });
  assert.deepEqual(spec, {
    name: 'migrate',
    mode: 'replicated-job',
    replicas: 5,
    maxConcurrent: 2,
    task: { image: 'busybox', command: ['sh', '-c', 'echo done'] },
  });
  const parsed = parseServiceSpec(spec);
  assert.deepEqual([parsed.mode, parsed.replicas, parsed.maxConcurrent], ['replicated-job', 5, 2]);
  // no replicas: the manager's default, one completion
  assert.deepEqual(imageServiceSpec('busybox', [], { mode: 'replicated-job' }), {
    name: 'busybox',
    mode: 'replicated-job',
    task: { image: 'busybox' },
  });
});

test('--mode global-job: one task on each node, run to completion; --replicas and --placement-pref are refused', () => {
  const spec = imageServiceSpec('busybox', [], { mode: 'global-job', name: 'prune' });
  assert.deepEqual(spec, { name: 'prune', mode: 'global-job', task: { image: 'busybox' } });
  assert.equal('replicas' in parseServiceSpec(spec), false);
  assert.throws(() => imageServiceSpec('busybox', [], { mode: 'global-job', replicas: '2' }), {
    field: '--replicas',
    message:
      /^--replicas is for a replicated service or job; --mode global-job runs one task to completion on each node that meets the constraints: leave --replicas out$/,
  });
  assert.throws(
    () => imageServiceSpec('busybox', [], { mode: 'global-job', placementPref: ['spread=node.labels.zone'] }),
    { field: '--placement-pref' },
  );
});

test('--max-concurrent is refused but for a replicated-job, and below 1; naming the flag', () => {
  for (const mode of [undefined, 'replicated', 'global', 'global-job'])
    assert.throws(
      () => imageServiceSpec('busybox', [], { ...(mode === undefined ? {} : { mode }), maxConcurrent: '2' }),
      {
        field: '--max-concurrent',
        message: new RegExp(
          `^--max-concurrent is for --mode replicated-job \\(how many of its tasks run at once\\), and this service is ${mode ?? 'replicated'}: leave --max-concurrent out$`,
        ),
      },
    );
  for (const bad of ['0', 'two', '-1'])
    assert.throws(() => imageServiceSpec('busybox', [], { mode: 'replicated-job', maxConcurrent: bad }), {
      field: '--max-concurrent',
    });
});

test('a job takes no --update-* flag (it has no rollout) and no --restart always (its tasks run to completion)', () => {
  assert.throws(() => imageServiceSpec('busybox', [], { mode: 'replicated-job', updateDelay: '5s' }), {
    field: '--update-delay',
    message:
      /^--update-delay is for a rollout, and a replicated-job has none \(an update runs the job again\): leave it out$/,
  });
  assert.throws(() => imageServiceSpec('busybox', [], { mode: 'global-job', restart: 'always' }), {
    field: '--restart',
    message:
      /^--restart is "always", and a global-job runs its tasks to completion: use on-failure \(the default\) or never$/,
  });
  assert.deepEqual(imageServiceSpec('busybox', [], { mode: 'replicated-job', restart: 'on-failure:2' }).task, {
    image: 'busybox',
    restartPolicy: { mode: 'on-failure', maxRestarts: 2 },
  });
});

test('--placement-pref spread=node.labels.KEY, repeated: preferences in the order given, as the manager reads them', () => {
  const spec = imageServiceSpec('nginx:1.27', [], {
    replicas: '6',
    placementPref: ['spread=node.labels.zone', 'spread=node.labels.rack'],
  });
  assert.deepEqual(spec, {
    name: 'nginx',
    replicas: 6,
    task: { image: 'nginx:1.27' },
    preferences: [{ spread: 'node.labels.zone' }, { spread: 'node.labels.rack' }],
  });
  assert.deepEqual(parseServiceSpec(spec).preferences, spec.preferences);
  // none given: the spec says none
  assert.equal('preferences' in imageServiceSpec('nginx:1.27', [], { placementPref: [] }), false);
});

test('a bad --placement-pref is refused naming it and showing the form; too many, or one twice, too', () => {
  const form = "use spread=node.labels.KEY with a node label's key, such as spread=node.labels.zone";
  for (const bad of ['node.labels.zone', 'spread=zone', 'spread=node.labels.', 'spread=node.labels.-a', 'pack=x', ''])
    assert.throws(() => imageServiceSpec('nginx:1.27', [], { placementPref: [bad] }), {
      message: `--placement-pref is ${JSON.stringify(bad)}; ${form}`,
    });
  const tooMany = ['zone', 'rack', 'row', 'room']
    .slice(0, MAX_PLACEMENT_PREFS + 1)
    .map((k) => `spread=node.labels.${k}`);
  assert.throws(() => imageServiceSpec('nginx:1.27', [], { placementPref: tooMany }), {
    message: `--placement-pref is given ${MAX_PLACEMENT_PREFS + 1} times; at most ${MAX_PLACEMENT_PREFS}`,
  });
  assert.deepEqual(
    imageServiceSpec('nginx:1.27', [], { placementPref: tooMany.slice(1) }).preferences,
    tooMany.slice(1).map((p) => ({ spread: p.slice('spread='.length) })),
    'as many as the manager takes',
  );
  assert.throws(
    () => imageServiceSpec('nginx:1.27', [], { placementPref: ['spread=node.labels.zone', 'spread=node.labels.zone'] }),
    { message: '--placement-pref gives spread=node.labels.zone twice; give each label once' },
  );
});

test("the CLI's limit on --placement-pref is the manager's (src/api loads TypeBox, which the CLI does not)", () => {
  assert.equal(MAX_PLACEMENT_PREFS, MAX_PREFERENCES);
});

test('--placement-pref with --mode global is refused naming both', () => {
  assert.throws(
    () => imageServiceSpec('nginx:1.27', [], { mode: 'global', placementPref: ['spread=node.labels.zone'] }),
    {
      message:
        /^--placement-pref is for a replicated service; --mode global runs one replica on each node that meets the constraints: leave --placement-pref out$/,
    },
  );
});

test('service create -f FILE refuses --placement-pref: the file says all of its service', async () => {
  const program = buildProgram('service');
  const service = program.commands.find((c) => c.name() === 'service') as Command;
  const create = service.commands.find((c) => c.name() === 'create') as Command;
  create.configureOutput({ writeErr: () => {}, outputError: () => {} });
  await assert.rejects(
    program.parseAsync(['node', 'poseidon', 'service', 'create', '-f', 'web.yaml', '--placement-pref', 'x']),
    { message: /--placement-pref: only with an image; the file says all of its service$/ },
  );
});

test('service create IMAGE takes --sysctl, --group-add and --log-opt into its template, as run does', () => {
  const spec = imageServiceSpec('nginx:1.27', [], {
    sysctl: ['net.core.somaxconn=1024'],
    groupAdd: ['audio', '1234'],
    logOpt: ['max-size=50m', 'max-file=5'],
  });
  assert.deepEqual(spec, {
    name: 'nginx',
    task: {
      image: 'nginx:1.27',
      sysctls: { 'net.core.somaxconn': '1024' },
      groupAdd: ['audio', '1234'],
      logs: { maxSize: '50Mi', maxFiles: 5 },
    },
  });
  parseServiceSpec(spec);
  assert.throws(() => imageServiceSpec('nginx:1.27', [], { sysctl: ['vm.swappiness=10'] }), {
    message: /^--sysctl vm\.swappiness=10 must be a sysctl a container has its own copy of, /,
  });
});

test('service create -f FILE refuses --max-concurrent too, and --help names the job modes', async () => {
  const program = buildProgram('service');
  const service = program.commands.find((c) => c.name() === 'service') as Command;
  const create = service.commands.find((c) => c.name() === 'create') as Command;
  create.configureOutput({ writeErr: () => {}, outputError: () => {} });
  await assert.rejects(
    program.parseAsync(['node', 'poseidon', 'service', 'create', '-f', 'job.yaml', '--max-concurrent', '2']),
    { message: /--max-concurrent: only with an image; the file says all of its service$/ },
  );
  const help = create.helpInformation();
  assert.match(help, /--mode <mode> +replicated \(default\); global: .*replicated-job: .*global-job: /s);
  assert.match(help, /--max-concurrent <n> +a replicated-job: at most this many of its tasks at once/);
});

test("what create, scale and update say of a service's size: replicas, or a job's completions and nodes", () => {
  const spec = { name: 'x', task: { image: 'busybox' } };
  assert.equal(sizeText({ mode: 'replicated', replicas: 2, spec }), '2 replicas');
  assert.equal(sizeText({ mode: 'global', replicas: 1, spec }), 'global: 1 replica');
  assert.equal(
    sizeText({ mode: 'replicated-job', replicas: 5, spec: { ...spec, maxConcurrent: 2 } }),
    'replicated job: 5 completions, 2 at a time',
  );
  assert.equal(sizeText({ mode: 'replicated-job', replicas: 1, spec }), 'replicated job: 1 completion');
  assert.equal(sizeText({ mode: 'global-job', replicas: 3, spec }), 'global job: 3 nodes');
});
