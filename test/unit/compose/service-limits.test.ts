import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromYaml, messageOf } from './compose-yaml.js';

// docker-compose's service-level mem_limit, cpus, pids_limit and restart: what docker compose makes of them.

test('mem_limit, cpus and pids_limit cap the replicas as deploy.resources.limits would', async () => {
  const { services, warnings } = await fromYaml(`
services:
  api: {image: x, mem_limit: 64m, cpus: 0.5, pids_limit: 100}
  same: {image: x, mem_limit: 64m, deploy: {resources: {limits: {memory: 64m, cpus: "1.5"}}}}
  bytes: {image: x, mem_limit: 64m, deploy: {resources: {limits: {memory: 67108864}}}}
`);
  const [api, same, bytes] = services;
  assert.equal(bytes?.task.memory, '64Mi', 'one size written two ways: the same');
  assert.equal(api?.task.memory, '64Mi');
  assert.equal(api?.task.cpuLimit, 0.5);
  assert.equal(api?.task.pidsLimit, 100);
  assert.equal(same?.task.memory, '64Mi', 'given twice, the same: fine');
  assert.equal(same?.task.cpuLimit, 1.5);
  assert.deepEqual(warnings, [], 'none of them is ignored any more');
});

test('given twice with different values, the file is refused naming both', async () => {
  const memory = await messageOf(() =>
    fromYaml('services:\n  api: {image: x, mem_limit: 64m, deploy: {resources: {limits: {memory: 128m}}}}\n'),
  );
  assert.match(
    memory,
    /^services\.api\.mem_limit \("64Mi"\) and deploy\.resources\.limits\.memory \("128Mi"\) differ; give one of them/,
  );
  const pids = await messageOf(() =>
    fromYaml('services:\n  api: {image: x, pids_limit: 10, deploy: {resources: {limits: {pids: 20}}}}\n'),
  );
  assert.match(pids, /^services\.api\.pids_limit \(10\) and deploy\.resources\.limits\.pids \(20\) differ/);
  assert.match(
    await messageOf(() => fromYaml('services:\n  api: {image: x, cpus: 0.001}\n')),
    /^services\.api\.cpus must be at least 0\.01 cores/,
  );
});

test("restart: docker's policies as the replicas' restart policy, unless deploy.restart_policy gives one", async () => {
  const { services, warnings } = await fromYaml(`
services:
  a: {image: x, restart: "no"}
  b: {image: x, restart: always}
  c: {image: x, restart: unless-stopped}
  d: {image: x, restart: on-failure}
  e: {image: x, restart: "on-failure:3"}
  f: {image: x, restart: always, deploy: {restart_policy: {condition: none}}}
`);
  assert.deepEqual(
    services.map((s) => s.task.restartPolicy),
    [
      { mode: 'never' },
      { mode: 'always' },
      { mode: 'always' },
      { mode: 'on-failure', maxRestarts: null },
      { mode: 'on-failure', maxRestarts: 3 },
      { mode: 'never' },
    ],
  );
  assert.deepEqual(warnings, ['services.f.restart: deploy.restart_policy is the one applied, as in a swarm']);
  assert.match(
    await messageOf(() => fromYaml('services:\n  a: {image: x, restart: sometimes}\n')),
    /^services\.a\.restart must be "no", "always", "unless-stopped" or "on-failure\[:N\]" \(got "sometimes"\)/,
  );
  assert.match(
    await messageOf(() => fromYaml('services:\n  a: {image: x, restart: always, deploy: {mode: replicated-job}}\n')),
    /^services\.a\.restart is "always" with mode: replicated-job, whose tasks run to completion/,
  );
});
