import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/commands.js';
import { MAX_PLACEMENT_PREFS } from '../../../src/cli/placement-pref.js';
import { updatedSpec, type UpdateFlags } from '../../../src/cli/service-update.js';
import { parseServiceSpec, templateChanged } from '../../../src/service/index.js';

const base = {
  name: 'web',
  replicas: 2,
  task: {
    image: 'nginx:1.27',
    env: { MODE: 'demo', LEVEL: 'info' },
    labels: { team: 'web', tier: 'front' },
    ports: [{ container: 80, host: 8080 }, { container: 53, protocol: 'udp' }, { container: 443 }],
    constraints: ['node.labels.zone == a'],
    healthCheck: { type: 'exec', command: ['/bin/sh', '-c', 'true'], interval: 1000 },
  },
  constraints: ['node.name != n2'],
  update: { parallelism: 1, order: 'start-first' },
};

const update = (
  flags: UpdateFlags,
  env: NodeJS.ProcessEnv = {},
): Record<string, unknown> & { task: Record<string, unknown> } => updatedSpec(base, flags, env);

function refused(flags: UpdateFlags): string {
  try {
    update(flags);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  assert.fail('not refused');
}

test("--force: the service's forceUpdate counter one up (from 0 when it has none), nothing else changed", () => {
  assert.deepEqual(updatedSpec(base, { force: true }, {}, undefined), { ...base, forceUpdate: 1 });
  assert.deepEqual(updatedSpec({ ...base, forceUpdate: 1 }, { force: true }, {}, 4), { ...base, forceUpdate: 5 });
  assert.equal(parseServiceSpec(updatedSpec(base, { force: true, image: 'nginx:1.28' }, {}, 2)).forceUpdate, 3);
});

test('no flags: the same spec, as a copy', () => {
  const same = update({});
  assert.deepEqual(same, base);
  assert.notEqual(same.task, base.task);
});

test('each flag changes its own part of the spec and leaves the rest; the result is a valid service spec', () => {
  const s = update(
    {
      image: 'nginx:1.28',
      replicas: '5',
      envAdd: ['LEVEL=debug', 'FROM_HERE'],
      env: ['OLD_SPELLING=yes'],
      envRm: ['MODE'],
      labelAdd: ['owner=ops'],
      labelRm: ['tier'],
      publishAdd: ['9090:80', '127.0.0.1:8443:443'],
      publishRm: ['53/udp'],
      constraintAdd: ['node.labels.disk == ssd'],
      constraintRm: ['node.labels.zone  ==  a', 'node.name != n2'],
      cpu: '0.25',
      memory: '128m', // docker's spelling: MiB
      restart: 'on-failure:4',
      updateParallelism: '2',
      updateDelay: '10s',
      updateOrder: 'stop-first',
      updateFailureAction: 'pause',
      updateMonitor: '2s',
    },
    { FROM_HERE: 'here' },
  );
  assert.deepEqual(s, {
    name: 'web',
    replicas: 5,
    task: {
      image: 'nginx:1.28',
      env: { LEVEL: 'debug', OLD_SPELLING: 'yes', FROM_HERE: 'here' },
      labels: { team: 'web', owner: 'ops' },
      ports: [
        { container: 80, host: 9090 },
        { container: 443, host: 8443, hostIp: '127.0.0.1' },
      ],
      constraints: ['node.labels.disk == ssd'],
      healthCheck: base.task.healthCheck,
      cpu: 0.25,
      memory: '128Mi',
      restartPolicy: { mode: 'on-failure', maxRestarts: 4 },
    },
    constraints: [],
    update: { parallelism: 2, order: 'stop-first', delay: 10_000, failureAction: 'pause', monitor: 2_000 },
  });
  parseServiceSpec(s);
  assert.deepEqual(base.task.env, { MODE: 'demo', LEVEL: 'info' }, 'the spec given is untouched');
});

test('--cpu-limit and --pids-limit set the hard limits; 0 and "" take them away again', () => {
  const limited = updatedSpec(
    { name: 'web', task: { image: 'nginx', cpu: 0.5 } },
    { cpuLimit: '2', pidsLimit: '64' },
    {},
  );
  assert.equal(limited.task.cpuLimit, 2);
  assert.equal(limited.task.pidsLimit, 64);
  parseServiceSpec(limited);
  const freed = updatedSpec(limited, { cpuLimit: '0', pidsLimit: '' }, {});
  assert.equal('cpuLimit' in freed.task, false, '--cpu-limit 0: no limit');
  assert.equal('pidsLimit' in freed.task, false, '--pids-limit "": the default again');
  assert.equal(updatedSpec(limited, { cpu: '1' }, {}).task.cpuLimit, 2, 'kept when not named');
});

test('removing what is not there does nothing; --publish-rm without a protocol takes every one of the port', () => {
  const s = update({ envRm: ['NOPE'], labelRm: ['nope'], constraintRm: ['node.name == x'], publishRm: ['80', '53'] });
  assert.deepEqual(s.task.env, base.task.env);
  assert.deepEqual(s.task.labels, base.task.labels);
  assert.deepEqual(s.task.constraints, base.task.constraints);
  assert.deepEqual(s.task.ports, [{ container: 443 }]);
  assert.deepEqual(update({ publishRm: ['53/tcp'] }).task.ports, base.task.ports);
});

test('--publish-rm takes a publication as --publish-add writes it: its container ports and protocol go, any host port', () => {
  assert.deepEqual(update({ publishRm: ['8080:80'] }).task.ports, [
    { container: 53, protocol: 'udp' },
    { container: 443 },
  ]);
  assert.deepEqual(update({ publishRm: ['9999:80'] }).task.ports, update({ publishRm: ['80'] }).task.ports);
  assert.deepEqual(update({ publishRm: ['5353:53'] }).task.ports, base.task.ports, 'TCP only, as written');
  assert.deepEqual(update({ publishRm: ['5300-5301:53-54/udp'] }).task.ports, [
    { container: 80, host: 8080 },
    { container: 443 },
  ]);
});

test('a spec without env, labels, ports or constraints gets them from the flags, and none when none are given', () => {
  const bare = { name: 'bare', task: { image: 'nginx' } };
  assert.deepEqual(
    updatedSpec(bare, { envRm: ['X'], publishRm: ['80'], labelRm: ['a'], constraintRm: ['x == y'] }),
    bare,
  );
  assert.deepEqual(
    updatedSpec(bare, { envAdd: ['A=1'], labelAdd: ['k=v'], publishAdd: ['80'], constraintAdd: ['node.name == n1'] }),
    {
      name: 'bare',
      task: {
        image: 'nginx',
        env: { A: '1' },
        labels: { k: 'v' },
        ports: [{ container: 80 }],
        constraints: ['node.name == n1'],
      },
    },
  );
  // a rule the service already has is not added twice, in either list
  assert.deepEqual(update({ constraintAdd: ['node.name  !=  n2', 'node.labels.zone == a'] }).task.constraints, [
    'node.labels.zone == a',
  ]);
});

test('--health-cmd puts a new command in the check, settings alone change it, --no-healthcheck takes it away', () => {
  assert.deepEqual(update({ healthCmd: 'test -f /ok', healthInterval: '5s' }).task.healthCheck, {
    type: 'exec',
    command: ['/bin/sh', '-c', 'test -f /ok'],
    interval: 5_000,
    timeout: 5_000,
    failureThreshold: 3,
  });
  // the old check's settings stay unless their flags are given, as Docker's do: every 1s stays every 1s
  const checked = { ...base, task: { ...base.task, healthCheck: { ...base.task.healthCheck, timeout: 500 } } };
  assert.deepEqual(updatedSpec(checked, { healthCmd: 'test -f /ok' }).task, {
    ...checked.task,
    healthCheck: {
      type: 'exec',
      command: ['/bin/sh', '-c', 'test -f /ok'],
      interval: 1_000,
      timeout: 500,
      failureThreshold: 3,
    },
  });
  assert.deepEqual(
    (updatedSpec(checked, { healthCmd: 'true', healthRetries: '5' }).task as { healthCheck: unknown }).healthCheck,
    { type: 'exec', command: ['/bin/sh', '-c', 'true'], interval: 1_000, timeout: 500, failureThreshold: 5 },
  );
  // a service without a check gets Docker's defaults
  assert.deepEqual(
    (updatedSpec({ name: 'bare', task: { image: 'nginx' } }, { healthCmd: 'true' }).task as { healthCheck: unknown })
      .healthCheck,
    { type: 'exec', command: ['/bin/sh', '-c', 'true'], interval: 30_000, timeout: 30_000, failureThreshold: 3 },
  );
  assert.equal('healthCheck' in update({ healthcheck: false }).task, false);
  assert.equal(update({ healthcheck: false }).task.imageHealthCheck, false, "as Docker's: the image's goes too");
  assert.equal('imageHealthCheck' in update({ healthCmd: 'true' }).task, false);
  assert.equal(
    refused({ healthcheck: false, healthCmd: 'true' }),
    '--no-healthcheck and --health-cmd say opposite things; give one',
  );
  // settings alone change the check the service has, as Docker's do
  assert.deepEqual(update({ healthInterval: '5s', healthRetries: '5' }).task.healthCheck, {
    ...base.task.healthCheck,
    interval: 5_000,
    failureThreshold: 5,
  });
  assert.equal(refused({ healthRetries: '0' }), '--health-retries is "0"; use a whole number from 1');
  // a shorter --health-interval alone shortens a longer timeout with it (its default was the old
  // interval), with or without --health-cmd; a --health-timeout given stays as given
  const every2s = {
    ...base,
    task: { ...base.task, healthCheck: { ...base.task.healthCheck, interval: 2000, timeout: 2000 } },
  };
  const check = (flags: UpdateFlags, spec: typeof base = every2s): unknown =>
    (updatedSpec(spec, flags).task as { healthCheck: unknown }).healthCheck;
  assert.deepEqual(check({ healthInterval: '1s' }), { ...every2s.task.healthCheck, interval: 1000, timeout: 1000 });
  assert.deepEqual(check({ healthCmd: 'false', healthInterval: '1s' }), {
    type: 'exec',
    command: ['/bin/sh', '-c', 'false'],
    interval: 1000,
    timeout: 1000,
    failureThreshold: 3,
  });
  const inWords = { ...base, task: { ...base.task, healthCheck: { ...base.task.healthCheck, timeout: '3s' } } };
  assert.equal((check({ healthInterval: '2s' }, inWords) as { timeout: unknown }).timeout, 2000);
  assert.equal((check({ healthInterval: '5s' }, inWords) as { timeout: unknown }).timeout, '3s');
  assert.equal((check({ healthInterval: '1s', healthTimeout: '2s' }) as { timeout: unknown }).timeout, 2000);
  assert.deepEqual(check({ healthRetries: '2' }), { ...every2s.task.healthCheck, failureThreshold: 2 });
  assert.throws(
    () => updatedSpec({ name: 'bare', task: { image: 'nginx' } }, { healthInterval: '5s' }),
    /^InvalidField: --health-interval goes with --health-cmd: the service has no health check to change$|--health-interval goes with --health-cmd: the service has no health check to change/,
  );
});

test('each bad flag is refused, naming it', () => {
  assert.equal(refused({ replicas: 'many' }), '--replicas is "many"; use a whole number such as 3');
  assert.equal(refused({ envAdd: ['=x'] }), '--env-add is "=x"; use NAME=value');
  assert.equal(refused({ env: ['=x'] }), '--env is "=x"; use NAME=value');
  assert.equal(
    refused({ envAdd: ['UNSET_HERE'] }),
    '--env-add is "UNSET_HERE", which is not set here; use NAME=value, or set it first',
  );
  assert.equal(refused({ labelAdd: ['solo'] }), '--label-add is "solo"; use NAME=value');
  assert.equal(
    refused({ publishRm: ['http'] }),
    '--publish-rm is "http"; use the container port, such as 80 or 53/udp (or HOST:CONTAINER, as published)',
  );
  assert.match(refused({ publishRm: ['8080:http'] }), /^--publish-rm\[0\] is "8080:http"; a port is a number/);
  assert.throws(
    () => updatedSpec({ name: 'bare', task: { image: 'nginx' } }, { publishRm: ['80/sctp'] }),
    /--publish-rm is "80\/sctp"/,
    'refused where there is nothing to remove too',
  );
  assert.match(refused({ publishAdd: ['localhost:80:80'] }), /^--publish-add\[0\] has host address "localhost"/);
  assert.equal(refused({ cpu: 'lots' }), '--cpu is "lots"; use a number of cores above 0, such as 0.5');
  assert.equal(refused({ cpuLimit: 'lots' }), '--cpu-limit is "lots"; use a number of cores above 0, such as 0.5');
  assert.equal(refused({ pidsLimit: '5000000' }), '--pids-limit is "5000000"; use a whole number from 2 to 4194304');
  assert.equal(
    refused({ restart: 'sometimes' }),
    '--restart is "sometimes"; use never, always, on-failure or on-failure:N',
  );
  // the manager's range (1 to 10000) both below and above it, where it once said 999999 below and 10000 above
  assert.equal(refused({ updateParallelism: '0' }), '--update-parallelism is "0"; use a whole number from 1 to 10000');
  assert.equal(
    refused({ updateParallelism: '100000' }),
    '--update-parallelism is "100000"; use a whole number from 1 to 10000',
  );
  assert.match(refused({ updateDelay: '10' }), /^--update-delay is "10", a number without a unit/);
  assert.equal(refused({ updateOrder: 'random' }), '--update-order is "random"; use start-first or stop-first');
  assert.equal(
    refused({ updateFailureAction: 'panic' }),
    '--update-failure-action is "panic"; use rollback, pause or continue',
  );
  assert.throws(() => updatedSpec([], {}), /--filename must hold a service spec/);
});

test('a global spec goes back as it came: mode kept, no replicas added; --replicas on it is refused, naming the flag', () => {
  const global = { name: 'agent', mode: 'global', task: { image: 'nginx' } };
  const s = updatedSpec(global, { image: 'nginx:1.28', envAdd: ['A=1'] }, {});
  assert.deepEqual(s, { name: 'agent', mode: 'global', task: { image: 'nginx:1.28', env: { A: '1' } } });
  assert.equal(parseServiceSpec(s).mode, 'global');
  assert.throws(() => updatedSpec(global, { replicas: '3' }, {}), {
    message:
      /^--replicas is for a replicated service; agent is global \(one replica on each node that meets its constraints\) and is not scaled$/,
  });
});

test("a job's spec goes back as its view shows it (no rollout settings), with the flags applied", () => {
  const job = { name: 'migrate', mode: 'replicated-job', replicas: 3, maxConcurrent: 1, task: { image: 'busybox' } };
  const s = updatedSpec(job, { image: 'busybox:1.37', replicas: '5', maxConcurrent: '2' }, {});
  assert.deepEqual(s, {
    name: 'migrate',
    mode: 'replicated-job',
    replicas: 5,
    maxConcurrent: 2,
    task: { image: 'busybox:1.37' },
  });
  assert.deepEqual([parseServiceSpec(s).mode, parseServiceSpec(s).maxConcurrent], ['replicated-job', 2]);
  // --force: a new version, which runs the job again
  assert.equal(updatedSpec(job, { force: true }, {}, 2).forceUpdate, 3);
  // a file's update block is sent as it is, for the manager to refuse by name: never dropped quietly
  const withBlock = updatedSpec({ ...job, update: { parallelism: 2 } }, {}, {});
  assert.throws(
    () => parseServiceSpec(withBlock),
    (err: unknown) => err instanceof Error && err.message.startsWith('update is set for a replicated-job'),
  );
});

test("--max-concurrent, --update-*, --restart always and a global job's --replicas are refused on a job, naming the flag", () => {
  const job = { name: 'migrate', mode: 'replicated-job', task: { image: 'busybox' } };
  const prune = { name: 'prune', mode: 'global-job', task: { image: 'busybox' } };
  assert.throws(() => updatedSpec(base, { maxConcurrent: '2' }, {}), {
    field: '--max-concurrent',
    message: /^--max-concurrent is for a replicated-job \(how many of its tasks run at once\); web is replicated$/,
  });
  assert.throws(() => updatedSpec(prune, { maxConcurrent: '2' }, {}), {
    message: /^--max-concurrent is for a replicated-job \(how many of its tasks run at once\); prune is global-job$/,
  });
  assert.throws(() => updatedSpec(job, { maxConcurrent: '0' }, {}), { field: '--max-concurrent' });
  assert.throws(() => updatedSpec(job, { updateParallelism: '2' }, {}), {
    field: '--update-parallelism',
    message:
      /^--update-parallelism is for a rollout, and migrate, a replicated-job, has none \(an update runs the job again\): leave it out$/,
  });
  assert.throws(() => updatedSpec(job, { restart: 'always' }, {}), {
    field: '--restart',
    message: /^--restart is "always", and migrate, a replicated-job, runs its tasks to completion: /,
  });
  assert.throws(() => updatedSpec(prune, { replicas: '3' }, {}), {
    field: '--replicas',
    message:
      /^--replicas is for a replicated service; prune is global-job \(one replica on each node that meets its constraints\) and is not scaled$/,
  });
  assert.throws(() => updatedSpec(prune, { placementPrefAdd: ['spread=node.labels.zone'] }, {}), {
    field: '--placement-pref-add',
  });
});

test('--placement-pref-add puts a spread after those the service has, --placement-pref-rm takes one away', () => {
  const spread = { ...base, preferences: [{ spread: 'node.labels.zone' }] };
  const s = updatedSpec(spread, { placementPrefAdd: ['spread=node.labels.rack'] }, {});
  assert.deepEqual(s.preferences, [{ spread: 'node.labels.zone' }, { spread: 'node.labels.rack' }]);
  assert.deepEqual(parseServiceSpec(s).preferences, s.preferences);
  // one it has already stays where it is
  assert.deepEqual(
    updatedSpec(spread, { placementPrefAdd: ['spread=node.labels.zone'] }, {}).preferences,
    spread.preferences,
  );
  // removed first, then added: the order of the flags on the line does not matter
  assert.deepEqual(
    updatedSpec(
      spread,
      { placementPrefRm: ['spread=node.labels.zone'], placementPrefAdd: ['spread=node.labels.zone'] },
      {},
    ).preferences,
    spread.preferences,
  );
  // a spec without any gets them; one left with none says none
  assert.deepEqual(update({ placementPrefAdd: ['spread=node.labels.zone'] }).preferences, spread.preferences);
  assert.equal('preferences' in updatedSpec(spread, { placementPrefRm: ['spread=node.labels.zone'] }, {}), false);
  assert.deepEqual(
    updatedSpec(spread, { placementPrefRm: ['spread=node.labels.zone'] }, {}),
    base,
    'nothing else changed',
  );
});

test('--placement-pref-rm of one the service does not have does nothing, as --constraint-rm', () => {
  assert.deepEqual(update({ placementPrefRm: ['spread=node.labels.zone'] }), base);
  const spread = { ...base, preferences: [{ spread: 'node.labels.zone' }] };
  assert.deepEqual(updatedSpec(spread, { placementPrefRm: ['spread=node.labels.rack'] }, {}), spread);
});

test('a bad --placement-pref-add or -rm is refused naming it; too many in all, or an add to a global service, too', () => {
  const form = "use spread=node.labels.KEY with a node label's key, such as spread=node.labels.zone";
  assert.equal(refused({ placementPrefAdd: ['zone'] }), `--placement-pref-add is "zone"; ${form}`);
  // refused where there is nothing to remove too
  assert.equal(refused({ placementPrefRm: ['spread=zone'] }), `--placement-pref-rm is "spread=zone"; ${form}`);
  const labels = ['zone', 'rack', 'row'].slice(0, MAX_PLACEMENT_PREFS);
  const full = { ...base, preferences: labels.map((k) => ({ spread: `node.labels.${k}` })) };
  assert.throws(() => updatedSpec(full, { placementPrefAdd: ['spread=node.labels.room'] }, {}), {
    message:
      `--placement-pref-add would give the service ${MAX_PLACEMENT_PREFS + 1} placement preferences; ` +
      `at most ${MAX_PLACEMENT_PREFS}`,
  });
  // one taken away makes room
  const swapped = updatedSpec(
    full,
    { placementPrefRm: [`spread=node.labels.${labels[0]}`], placementPrefAdd: ['spread=node.labels.room'] },
    {},
  );
  assert.deepEqual(
    swapped.preferences,
    [...labels.slice(1), 'room'].map((k) => ({ spread: `node.labels.${k}` })),
  );
  const global = { name: 'agent', mode: 'global', task: { image: 'nginx' } };
  assert.throws(() => updatedSpec(global, { placementPrefAdd: ['spread=node.labels.zone'] }, {}), {
    message:
      /^--placement-pref-add is for a replicated service; agent is global \(one replica on each node that meets its constraints\) and spreads over nothing$/,
  });
  assert.deepEqual(updatedSpec(global, { placementPrefRm: ['spread=node.labels.zone'] }, {}), global);
});

test('the process flags each replace their field of the template; "" and --no-read-only take it away', () => {
  const set = update({
    entrypoint: 'tini --',
    user: 'nobody',
    workdir: '/srv',
    stopSignal: 'quit',
    stopGracePeriod: '45s',
    readOnly: true,
  });
  assert.deepEqual(
    [set.task.entrypoint, set.task.user, set.task.workdir, set.task.stopSignal, set.task.stopGracePeriod],
    [['tini', '--'], 'nobody', '/srv', 'SIGQUIT', 45_000],
  );
  assert.equal(set.task.readOnlyRootfs, true);
  assert.deepEqual(set.task.image, base.task.image, 'the rest as it was');
  parseServiceSpec(set);
  const withAll = { ...base, task: set.task };
  const replaced = updatedSpec(withAll, { user: '1000:1000', stopGracePeriod: '0' }, {});
  assert.equal(replaced.task.user, '1000:1000');
  assert.equal(replaced.task.stopGracePeriod, 0);
  assert.equal(replaced.task.workdir, '/srv', 'a flag not given leaves its field');
  // --entrypoint "" is no entrypoint (the command alone), as at create; the others' "" is the image's own
  const cleared = updatedSpec(
    withAll,
    { entrypoint: '', user: '', workdir: '', stopSignal: '', stopGracePeriod: '', readOnly: false },
    {},
  );
  assert.deepEqual(cleared.task.entrypoint, []);
  for (const field of ['user', 'workdir', 'stopSignal', 'stopGracePeriod', 'readOnlyRootfs'])
    assert.equal(field in cleared.task, false, field);
  parseServiceSpec(cleared);
  // clearing what is not there does nothing
  assert.deepEqual(update({ user: '', readOnly: false }), base);
});

test('a bad process flag is refused naming it', () => {
  assert.match(refused({ workdir: 'srv' }), /^--workdir is "srv"; use an absolute path/);
  assert.match(refused({ stopSignal: 'STOP-NOW' }), /^--stop-signal must be a signal/);
  assert.match(refused({ stopGracePeriod: '30' }), /^--stop-grace-period is "30", a number without a unit/);
  assert.match(refused({ user: 'root:wheel:x' }), /^--user is "root:wheel:x"; use USER or USER:GROUP/);
  assert.match(refused({ entrypoint: "sh -c 'x" }), /^--entrypoint leaves a quote open/);
});

test("--pull always|never sets the template's pull, a new version; --pull missing takes it away, the default again", () => {
  const always = update({ pull: 'always' });
  assert.deepEqual(always, { ...base, task: { ...base.task, pull: 'always' } });
  const parsed = parseServiceSpec(always);
  assert.equal(parsed.task.pull, 'always');
  assert.equal(templateChanged(parseServiceSpec(base), parsed), true, 'a change of what runs');
  const never = updatedSpec(always, { pull: 'Never' }, {});
  assert.equal(never.task.pull, 'never');
  assert.equal(templateChanged(parsed, parseServiceSpec(never)), true);
  const back = updatedSpec(never, { pull: 'missing' }, {});
  assert.deepEqual(back, base);
  assert.equal(templateChanged(parseServiceSpec(base), parseServiceSpec(back)), false);
  // missing where there is none changes nothing; neither does a template that says missing itself
  assert.deepEqual(update({ pull: 'missing' }), base);
  const saysMissing = { ...base, task: { ...base.task, pull: 'missing' } };
  assert.equal(templateChanged(parseServiceSpec(base), parseServiceSpec(saysMissing)), false);
  assert.deepEqual(updatedSpec(saysMissing, { pull: 'missing' }, {}), base);
  assert.equal(refused({ pull: 'daily' }), '--pull must be "missing", "always" or "never" (got "daily")');
});

test('service update takes --pull <policy>; not given, unchanged', () => {
  const update = (): Command => {
    const service = buildProgram().commands.find((c) => c.name() === 'service') as Command;
    return service.commands.find((c) => c.name() === 'update') as Command;
  };
  const given = update();
  given.parseOptions(['--pull', 'never']);
  assert.equal(given.opts().pull, 'never');
  assert.equal(update().opts().pull, undefined);
});

test('service update takes -u, -w, the process flags, and --read-only or --no-read-only (neither: unchanged)', () => {
  const update = (): Command => {
    const service = buildProgram().commands.find((c) => c.name() === 'service') as Command;
    return service.commands.find((c) => c.name() === 'update') as Command;
  };
  const given = update();
  given.parseOptions(['-u', '1000', '-w', '/srv', '--stop-signal', 'INT', '--stop-grace-period', '5s']);
  given.parseOptions(['--entrypoint', 'tini --', '--no-read-only']);
  const opts = given.opts();
  assert.deepEqual(
    [opts.user, opts.workdir, opts.stopSignal, opts.stopGracePeriod, opts.entrypoint, opts.readOnly],
    ['1000', '/srv', 'INT', '5s', 'tini --', false],
  );
  const on = update();
  on.parseOptions(['--read-only']);
  assert.equal(on.opts().readOnly, true);
  assert.equal(update().opts().readOnly, undefined);
});

test('--tmpfs-add mounts a tmpfs, in place of one at the same path; --tmpfs-rm takes one away; none left is none', () => {
  const withTmpfs = { ...base, task: { ...base.task, tmpfs: [{ path: '/tmp/', size: '8Mi' }, { path: '/run' }] } };
  const added = updatedSpec(withTmpfs, { tmpfsAdd: ['/tmp:size=64m', '/cache'] }, {});
  assert.deepEqual(added.task.tmpfs, [{ path: '/run' }, { path: '/tmp', size: '64Mi' }, { path: '/cache' }]);
  parseServiceSpec(added);
  const removed = updatedSpec(withTmpfs, { tmpfsRm: ['/tmp', '/not-there'] }, {});
  assert.deepEqual(removed.task.tmpfs, [{ path: '/run' }]);
  const none = updatedSpec(withTmpfs, { tmpfsRm: ['/tmp', '/run/'] }, {});
  assert.equal('tmpfs' in none.task, false);
  assert.deepEqual(none, base);
  // removing what is not there does nothing; an add to a template with none makes the list
  assert.deepEqual(update({ tmpfsRm: ['/tmp'] }), base);
  assert.deepEqual(update({ tmpfsAdd: ['/tmp'] }).task.tmpfs, [{ path: '/tmp' }]);
  assert.deepEqual(updatedSpec(withTmpfs, { tmpfsRm: ['/tmp'], tmpfsAdd: ['/tmp:size=1g'] }, {}).task.tmpfs, [
    { path: '/run' },
    { path: '/tmp', size: '1Gi' },
  ]);
});

test('a bad --tmpfs-add or --tmpfs-rm is refused naming it', () => {
  assert.match(refused({ tmpfsAdd: ['tmp'] }), /^--tmpfs-add is "tmp"; a tmpfs is at an absolute path/);
  assert.match(refused({ tmpfsAdd: ['/tmp:noexec'] }), /^--tmpfs-add is "\/tmp:noexec"; only size= is taken/);
  assert.match(refused({ tmpfsAdd: ['/tmp:size=x'] }), /^--tmpfs-add is "\/tmp:size=x"; size= takes bytes/);
  assert.match(refused({ tmpfsAdd: ['/a', '/a/.'] }), /^--tmpfs-add mounts a tmpfs at \/a twice$/);
  assert.match(refused({ tmpfsRm: ['tmp'] }), /^--tmpfs-rm is "tmp"; a tmpfs is at an absolute path/);
  const cmd = (buildProgram().commands.find((c) => c.name() === 'service') as Command).commands.find(
    (c) => c.name() === 'update',
  ) as Command;
  cmd.parseOptions(['--tmpfs-add', '/tmp:size=64m', '--tmpfs-add', '/run', '--tmpfs-rm', '/old']);
  assert.deepEqual([cmd.opts().tmpfsAdd, cmd.opts().tmpfsRm], [['/tmp:size=64m', '/run'], ['/old']]);
});

test('--hostname and --shm-size replace the template\'s, a new version; "" takes each away, Docker\'s own again', () => {
  const set = update({ hostname: 'web.internal', shmSize: '256m' });
  assert.deepEqual(set, { ...base, task: { ...base.task, hostname: 'web.internal', shmSize: '256Mi' } });
  const parsed = parseServiceSpec(set);
  assert.equal(templateChanged(parseServiceSpec(base), parsed), true, 'a change of what runs');
  const replaced = updatedSpec(set, { hostname: 'api', shmSize: '1073741824' }, {});
  assert.deepEqual([replaced.task.hostname, replaced.task.shmSize], ['api', 1073741824]);
  assert.equal(templateChanged(parsed, parseServiceSpec(replaced)), true);
  // the same size written another way is no new version
  assert.equal(templateChanged(parsed, parseServiceSpec(updatedSpec(set, { shmSize: '268435456' }, {}))), false);
  const cleared = updatedSpec(set, { hostname: '', shmSize: '' }, {});
  assert.deepEqual(cleared, base);
  // taking away what is not there does nothing
  assert.deepEqual(update({ hostname: '', shmSize: '' }), base);
});

test("--host-add puts a line after the rest unless it is there; --host-rm takes a name's lines, or one line", () => {
  const withHosts = {
    ...base,
    task: { ...base.task, extraHosts: ['db:10.0.0.5', 'DB=10.0.0.6', 'cache:10.0.0.7'] },
  };
  const edit = (flags: UpdateFlags): unknown => updatedSpec(withHosts, flags, {}).task.extraHosts;
  assert.deepEqual(edit({ hostRm: ['db'] }), ['cache:10.0.0.7'], 'every line of the name, in any case');
  assert.deepEqual(edit({ hostRm: ['db:10.0.0.6'] }), ['db:10.0.0.5', 'cache:10.0.0.7'], 'that line alone');
  assert.deepEqual(edit({ hostRm: ['db=10.0.0.5', 'nothere', 'cache:10.9.9.9'] }), ['DB=10.0.0.6', 'cache:10.0.0.7']);
  assert.deepEqual(edit({ hostAdd: ['gw=host-gateway', 'db:10.0.0.5', 'Cache:10.0.0.7'] }), [
    'db:10.0.0.5',
    'DB=10.0.0.6',
    'cache:10.0.0.7',
    'gw:host-gateway',
  ]);
  assert.deepEqual(edit({ hostRm: ['db'], hostAdd: ['db:10.1.1.1'] }), ['cache:10.0.0.7', 'db:10.1.1.1']);
  const none = updatedSpec(withHosts, { hostRm: ['db', 'cache'] }, {});
  assert.equal('extraHosts' in none.task, false);
  assert.deepEqual(none, base);
  assert.deepEqual(update({ hostRm: ['db'] }), base, 'removing what is not there does nothing');
  const added = update({ hostAdd: ['db:10.0.0.5'] });
  assert.deepEqual(added.task.extraHosts, ['db:10.0.0.5']);
  assert.equal(templateChanged(parseServiceSpec(base), parseServiceSpec(added)), true);
  assert.equal(
    templateChanged(
      parseServiceSpec(withHosts),
      parseServiceSpec(updatedSpec(withHosts, { hostAdd: ['db:10.0.0.5'] }, {})),
    ),
    false,
    'a line it has already: no new version',
  );
});

test("--ulimit-add sets a limit in place of its name's, --ulimit-rm takes one away; none left is none", () => {
  const withLimits = { ...base, task: { ...base.task, ulimits: { nofile: 1024, nproc: { soft: 256, hard: 512 } } } };
  const edit = (flags: UpdateFlags): unknown => updatedSpec(withLimits, flags, {}).task.ulimits;
  assert.deepEqual(edit({ ulimitAdd: ['nofile=1024:65536', 'MEMLOCK=unlimited'] }), {
    nofile: { soft: 1024, hard: 65536 },
    nproc: { soft: 256, hard: 512 },
    memlock: -1,
  });
  assert.deepEqual(edit({ ulimitRm: ['NPROC', 'core'] }), { nofile: 1024 });
  assert.deepEqual(edit({ ulimitRm: ['nofile'], ulimitAdd: ['nofile=10'] }), {
    nofile: 10,
    nproc: { soft: 256, hard: 512 },
  });
  const none = updatedSpec(withLimits, { ulimitRm: ['nofile', 'nproc'] }, {});
  assert.equal('ulimits' in none.task, false);
  assert.deepEqual(none, base);
  assert.deepEqual(update({ ulimitRm: ['nofile'] }), base, 'removing what is not there does nothing');
  const added = update({ ulimitAdd: ['nofile=65536'] });
  assert.deepEqual(added.task.ulimits, { nofile: 65536 });
  const parsed = parseServiceSpec(added);
  assert.equal(templateChanged(parseServiceSpec(base), parsed), true);
  const same = updatedSpec(added, { ulimitAdd: ['nofile=65536:65536'] }, {});
  assert.equal(templateChanged(parsed, parseServiceSpec(same)), false, 'the same limit: no new version');
});

test('--cap-add adds to capAdd and takes it from capDrop, --cap-drop the other way; twice is as once', () => {
  const withCaps = { ...base, task: { ...base.task, capAdd: ['net_admin'], capDrop: ['CAP_CHOWN', 'MKNOD'] } };
  const edit = (flags: UpdateFlags): unknown[] => {
    const t = updatedSpec(withCaps, flags, {}).task;
    return [t.capAdd, t.capDrop];
  };
  assert.deepEqual(edit({ capAdd: ['chown', 'SYS_TIME'] }), [['NET_ADMIN', 'CHOWN', 'SYS_TIME'], ['MKNOD']]);
  assert.deepEqual(edit({ capDrop: ['NET_ADMIN', 'all'] }), [undefined, ['CHOWN', 'MKNOD', 'NET_ADMIN', 'ALL']]);
  assert.deepEqual(edit({ capAdd: ['MKNOD'], capDrop: ['net_admin'] }), [['MKNOD'], ['CHOWN', 'NET_ADMIN']]);
  assert.deepEqual(
    edit({ capAdd: ['NET_ADMIN'] }),
    [['NET_ADMIN'], ['CHOWN', 'MKNOD']],
    'written as Docker names them',
  );
  const once = updatedSpec(withCaps, { capAdd: ['MKNOD'], capDrop: ['NET_ADMIN'] }, {});
  assert.deepEqual(updatedSpec(once, { capAdd: ['MKNOD'], capDrop: ['NET_ADMIN'] }, {}), once);
  const swapped = updatedSpec(withCaps, { capAdd: ['CHOWN', 'MKNOD'], capDrop: ['NET_ADMIN'] }, {});
  assert.deepEqual([swapped.task.capAdd, swapped.task.capDrop], [['CHOWN', 'MKNOD'], ['NET_ADMIN']]);
  assert.deepEqual(update({}), base);
  const added = update({ capAdd: ['NET_ADMIN'] });
  assert.deepEqual([added.task.capAdd, 'capDrop' in added.task], [['NET_ADMIN'], false]);
  assert.equal(templateChanged(parseServiceSpec(base), parseServiceSpec(added)), true);
  const back = updatedSpec(added, { capDrop: ['NET_ADMIN'] }, {});
  assert.deepEqual([back.task.capDrop, 'capAdd' in back.task], [['NET_ADMIN'], false]);
  parseServiceSpec(back);
});

test('a bad container flag of service update is refused naming it', () => {
  const hostRule =
    'must be NAME:ADDRESS (an IPv4 or IPv6 address, or host-gateway: the node), such as "db.internal:10.0.0.5"';
  assert.equal(
    refused({ hostname: '-web' }),
    '--hostname must be a host name of at most 63 characters: letters, digits and "-", in labels separated by dots ' +
      '(got "-web")',
  );
  assert.equal(
    refused({ shmSize: '1x' }),
    '--shm-size is "1x"; use bytes, or a size such as 64m or 1g (MiB, GiB, as docker reads them) or 64Mi',
  );
  assert.equal(refused({ hostAdd: ['db'] }), `--host-add ${hostRule} (got "db")`);
  assert.equal(refused({ hostRm: ['db_1'] }), '--host-rm is "db_1"; use NAME, or NAME:ADDRESS for that line alone');
  assert.equal(
    refused({ hostRm: ['db:nowhere'] }),
    '--host-rm is "db:nowhere"; use NAME, or NAME:ADDRESS for that line alone',
  );
  assert.equal(
    refused({ ulimitAdd: ['nofile'] }),
    '--ulimit-add is "nofile"; use NAME=SOFT[:HARD], such as nofile=1024:65536 or nproc=512 (-1 or unlimited: no limit)',
  );
  assert.equal(
    refused({ ulimitAdd: ['nofile=1', 'nofile=2'] }),
    '--ulimit-add names nofile twice; give each limit once',
  );
  assert.match(refused({ ulimitRm: ['files'] }), /^--ulimit-rm is "files"; the name must be one of core, cpu, /);
  assert.equal(
    refused({ capAdd: ['ROOT'] }),
    '--cap-add must be a Linux capability such as "NET_ADMIN" (or "CAP_NET_ADMIN"), or "ALL" (got "ROOT")',
  );
  assert.equal(
    refused({ capAdd: ['SYS_TIME'], capDrop: ['sys_time'] }),
    '--cap-drop drops SYS_TIME, which --cap-add adds: give it in one of them',
  );
  const many = {
    ...base,
    task: { ...base.task, extraHosts: Array.from({ length: 64 }, (_, i) => `h${i}:10.0.0.${i}`) },
  };
  assert.throws(() => updatedSpec(many, { hostAdd: ['one:10.0.1.1'] }, {}), {
    message: '--host-add would give the service 65 /etc/hosts entries; at most 64',
  });
});

test('service update takes --hostname, --host-add|rm, --shm-size, --ulimit-add|rm and --cap-add|drop; not given, unchanged', () => {
  const command = (): Command => {
    const service = buildProgram().commands.find((c) => c.name() === 'service') as Command;
    return service.commands.find((c) => c.name() === 'update') as Command;
  };
  const given = command();
  given.parseOptions(['--hostname', '', '--host-add', 'db:10.0.0.5', '--host-add', 'gw:host-gateway']);
  given.parseOptions(['--host-rm', 'old', '--shm-size', '1g', '--ulimit-add', 'nofile=1024:65536']);
  given.parseOptions(['--ulimit-rm', 'nproc', '--cap-add', 'NET_ADMIN', '--cap-drop', 'MKNOD', '--cap-drop', 'CHOWN']);
  const o = given.opts();
  assert.deepEqual(
    [o.hostname, o.hostAdd, o.hostRm, o.shmSize, o.ulimitAdd, o.ulimitRm, o.capAdd, o.capDrop],
    [
      '',
      ['db:10.0.0.5', 'gw:host-gateway'],
      ['old'],
      '1g',
      ['nofile=1024:65536'],
      ['nproc'],
      ['NET_ADMIN'],
      ['MKNOD', 'CHOWN'],
    ],
  );
  const none = command().opts();
  assert.deepEqual(updatedSpec(base, none, {}), base);
  for (const flag of ['--add-host', '--ulimit'])
    assert.equal(
      command().options.some((opt) => opt.long === flag),
      false,
      `${flag}: service update's are --host-add and --ulimit-add`,
    );
});

test("--sysctl-add sets a sysctl in place of its name's, --sysctl-rm takes one away; none left is none", () => {
  const withSysctls = {
    ...base,
    task: { ...base.task, sysctls: { 'net.core.somaxconn': 1024, 'kernel.shmmax': '68719476736' } },
  };
  const edit = (flags: UpdateFlags): unknown => updatedSpec(withSysctls, flags, {}).task.sysctls;
  assert.deepEqual(edit({ sysctlAdd: ['net.core.somaxconn=4096', 'net.ipv4.ip_unprivileged_port_start=80'] }), {
    'net.core.somaxconn': '4096',
    'kernel.shmmax': '68719476736',
    'net.ipv4.ip_unprivileged_port_start': '80',
  });
  assert.deepEqual(edit({ sysctlRm: ['kernel.shmmax', 'net.ipv4.tcp_syncookies'] }), { 'net.core.somaxconn': 1024 });
  assert.deepEqual(edit({ sysctlRm: ['kernel.shmmax'], sysctlAdd: ['kernel.shmmax=1'] }), {
    'net.core.somaxconn': 1024,
    'kernel.shmmax': '1',
  });
  const none = updatedSpec(withSysctls, { sysctlRm: ['net.core.somaxconn', 'kernel.shmmax'] }, {});
  assert.equal('sysctls' in none.task, false);
  assert.deepEqual(none, base);
  assert.deepEqual(update({ sysctlRm: ['net.core.somaxconn'] }), base, 'removing what is not there does nothing');
  const added = update({ sysctlAdd: ['net.core.somaxconn=1024'] });
  assert.deepEqual(added.task.sysctls, { 'net.core.somaxconn': '1024' });
  const parsed = parseServiceSpec(added);
  assert.equal(templateChanged(parseServiceSpec(base), parsed), true, 'a change of what runs');
  const same = updatedSpec(added, { sysctlAdd: ['net.core.somaxconn=1024'] }, {});
  assert.equal(templateChanged(parsed, parseServiceSpec(same)), false, 'the same value: no new version');
});

test('--group-add puts a group after the rest unless it is there, --group-rm takes one away; none left is none', () => {
  const withGroups = { ...base, task: { ...base.task, groupAdd: ['audio', '1234'] } };
  const edit = (flags: UpdateFlags): unknown => updatedSpec(withGroups, flags, {}).task.groupAdd;
  assert.deepEqual(edit({ groupAdd: ['video', 'audio', '1234', 'video'] }), ['audio', '1234', 'video']);
  assert.deepEqual(edit({ groupRm: ['1234', 'wheel'] }), ['audio']);
  assert.deepEqual(edit({ groupRm: ['audio'], groupAdd: ['audio'] }), ['1234', 'audio']);
  const none = updatedSpec(withGroups, { groupRm: ['audio', '1234'] }, {});
  assert.equal('groupAdd' in none.task, false);
  assert.deepEqual(none, base);
  assert.deepEqual(update({ groupRm: ['audio'] }), base, 'removing what is not there does nothing');
  const added = update({ groupAdd: ['audio'] });
  assert.deepEqual(added.task.groupAdd, ['audio']);
  assert.equal(templateChanged(parseServiceSpec(base), parseServiceSpec(added)), true);
  const again = updatedSpec(added, { groupAdd: ['audio'] }, {});
  assert.deepEqual(again, added, 'the same update twice gives the same spec');
});

test("--log-opt sets max-size or max-file in place of the template's; KEY= takes it away, the default again", () => {
  const set = update({ logOpt: ['max-size=50m'] });
  assert.deepEqual(set, { ...base, task: { ...base.task, logs: { maxSize: '50Mi' } } });
  const parsed = parseServiceSpec(set);
  assert.equal(templateChanged(parseServiceSpec(base), parsed), true, 'a change of what runs');
  const both = updatedSpec(set, { logOpt: ['max-file=5'] }, {});
  assert.deepEqual(both.task.logs, { maxSize: '50Mi', maxFiles: 5 }, 'the other key kept');
  const replaced = updatedSpec(both, { logOpt: ['max-size=1g', 'max-file=10'] }, {});
  assert.deepEqual(replaced.task.logs, { maxSize: '1Gi', maxFiles: 10 });
  // the same size written another way is no new version
  assert.equal(
    templateChanged(parsed, parseServiceSpec(updatedSpec(set, { logOpt: ['max-size=52428800'] }, {}))),
    false,
  );
  assert.deepEqual(updatedSpec(both, { logOpt: ['max-size='] }, {}).task.logs, { maxFiles: 5 });
  const cleared = updatedSpec(both, { logOpt: ['max-size=', 'max-file='] }, {});
  assert.deepEqual(cleared, base);
  assert.deepEqual(update({ logOpt: ['max-file='] }), base, 'taking away what is not there does nothing');
});

test('a bad --sysctl-add|rm, --group-add|rm or --log-opt of service update is refused naming it', () => {
  const sysctlRule =
    'must be a sysctl a container has its own copy of, as docker run --sysctl takes: net.*, fs.mqueue.*, ' +
    'kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni or ' +
    'kernel.shm_rmid_forced';
  const groupRule = 'must be a group name (lower-case, at most 32 characters) or a number';
  assert.equal(
    refused({ sysctlAdd: ['vm.max_map_count=262144'] }),
    `--sysctl-add vm.max_map_count=262144 ${sysctlRule}`,
  );
  assert.equal(
    refused({ sysctlAdd: ['net.core.somaxconn'] }),
    '--sysctl-add is "net.core.somaxconn"; use NAME=VALUE, such as net.core.somaxconn=1024',
  );
  assert.equal(refused({ sysctlRm: ['vm.swappiness'] }), `--sysctl-rm vm.swappiness ${sysctlRule}`);
  assert.equal(refused({ groupAdd: ['Audio'] }), `--group-add Audio ${groupRule}`);
  assert.equal(refused({ groupRm: ['a b'] }), `--group-rm a b ${groupRule}`);
  assert.equal(
    refused({ logOpt: ['max-buffer-size=4m'] }),
    '--log-opt max-buffer-size=4m is not taken: only max-size and max-file are, as Poseidon keeps the json-file ' +
      'log driver, which poseidon logs reads',
  );
  assert.equal(
    refused({ logOpt: ['max-file=0'] }),
    '--log-opt max-file=0 is not a whole number of files from 1 to 100',
  );
  assert.equal(
    refused({ logOpt: ['max-size=10'] }),
    '--log-opt max-size=10 is 10 B; max-size must be between 64 KiB and 1 GiB',
  );
  const many = (n: number): Record<string, string> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`net.x.s${i}`, '1']));
  assert.throws(
    () => updatedSpec({ ...base, task: { ...base.task, sysctls: many(64) } }, { sysctlAdd: ['net.y=1'] }, {}),
    {
      message: '--sysctl-add would give the service 65 sysctls; at most 64',
    },
  );
  const groups = Array.from({ length: 32 }, (_, i) => `g${i}`);
  assert.throws(() => updatedSpec({ ...base, task: { ...base.task, groupAdd: groups } }, { groupAdd: ['h'] }, {}), {
    message: '--group-add would give the service 33 groups; at most 32',
  });
});

test('service update takes --sysctl-add|rm, --group-add|rm and --log-opt; not given, unchanged', () => {
  const command = (): Command => {
    const service = buildProgram().commands.find((c) => c.name() === 'service') as Command;
    return service.commands.find((c) => c.name() === 'update') as Command;
  };
  const given = command();
  given.parseOptions(['--sysctl-add', 'net.core.somaxconn=1024', '--sysctl-add', 'kernel.shmmax=1']);
  given.parseOptions(['--sysctl-rm', 'kernel.sem', '--group-add', 'audio', '--group-rm', '1234']);
  given.parseOptions(['--log-opt', 'max-size=50m', '--log-opt', 'max-file=']);
  const o = given.opts();
  assert.deepEqual(
    [o.sysctlAdd, o.sysctlRm, o.groupAdd, o.groupRm, o.logOpt],
    [
      ['net.core.somaxconn=1024', 'kernel.shmmax=1'],
      ['kernel.sem'],
      ['audio'],
      ['1234'],
      ['max-size=50m', 'max-file='],
    ],
  );
  assert.deepEqual(updatedSpec(base, command().opts(), {}), base);
  assert.equal(
    command().options.some((opt) => opt.long === '--sysctl'),
    false,
    "--sysctl: service update's is --sysctl-add",
  );
});

test('--args puts a command line in place of the replicas\' command, split as a shell does; "" gives the image\'s CMD', () => {
  const withCommand = { ...base, task: { ...base.task, command: ['httpd', '-f'] } };
  const changed = updatedSpec(withCommand, { args: `sh -c 'exec httpd -f -p 80'` }, {});
  assert.deepEqual(changed.task.command, ['sh', '-c', 'exec httpd -f -p 80']);
  assert.equal(parseServiceSpec(changed).task.image, 'nginx:1.27', 'still a valid spec');
  assert.equal('command' in updatedSpec(withCommand, { args: '' }, {}).task, false);
  assert.deepEqual(updatedSpec(withCommand, { image: 'nginx:1.28' }, {}).task.command, ['httpd', '-f'], 'kept');
  assert.match(refused({ args: `sh -c 'open` }), /^--args leaves a quote open/);
});

test('service update takes --args from the command line', () => {
  const program = buildProgram();
  const service = program.commands.find((c) => c.name() === 'service');
  const cmd = service?.commands.find((c) => c.name() === 'update') as Command;
  cmd.parseOptions(['--args', 'sleep 1000']);
  assert.equal(cmd.opts<UpdateFlags>().args, 'sleep 1000');
});
