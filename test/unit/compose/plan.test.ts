import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec, ServiceView } from '../../../src/api/index.js';
import { changedFields, planStack, stackNameFrom, type PlanInputs } from '../../../src/compose/index.js';
import { parseServiceSpec, templateChanged as newVersion } from '../../../src/service/index.js';

// A stand-in for the manager's reading of a spec: defaults filled in, as parseServiceSpec does
// (a global service keeps its mode and has no replicas; a replicated one has replicas and no mode).
const normalize = ({ mode, replicas = 1, ...s }: ServiceSpec): ServiceSpec => ({
  ...s,
  ...(mode === 'global' || mode === 'global-job' ? { mode } : { replicas }),
  ...(mode === 'replicated-job' ? { mode } : {}),
  update: { parallelism: 1, ...s.update },
});
const templateChanged = (a: ServiceSpec, b: ServiceSpec): boolean => JSON.stringify(a.task) !== JSON.stringify(b.task);

function spec(name: string, image = 'x:1', extra: Partial<ServiceSpec> = {}, stack = 'app'): ServiceSpec {
  return { name, task: { image }, labels: { 'poseidon.stack': stack }, ...extra };
}
/** The manager's view of a service: its spec as read, without the update and rollback a job has none of. */
function view(s: ServiceSpec): ServiceView {
  const now = new Date(0).toISOString();
  const { replicas = 1 } = s;
  const read = normalize(s);
  const { update: _update, rollback: _rollback, ...job } = read;
  return {
    name: s.name,
    version: 1,
    spec: s.mode === 'replicated-job' || s.mode === 'global-job' ? job : read,
    mode: s.mode ?? 'replicated',
    replicas,
    healthy: replicas,
    running: replicas,
    image: s.task.image,
    update: null,
    createdAt: now,
    updatedAt: now,
  };
}
const plan = (desired: ServiceSpec[], existing: ServiceView[], prune = false): ReturnType<typeof planStack> =>
  planStack({ stack: 'app', desired, existing, prune, normalize, templateChanged } satisfies PlanInputs);

test('a first deploy creates every service, with defaults filled in', () => {
  const p = plan([spec('app-web'), spec('app-db')], []);
  assert.deepEqual(
    p.create.map((s) => [s.name, s.replicas]),
    [
      ['app-web', 1],
      ['app-db', 1],
    ],
  );
  assert.deepEqual([p.update, p.remove, p.unchanged], [[], [], []]);
});

test('a redeploy updates only what changed: a new image is a new version, replicas alone are not', () => {
  const existing = [view(spec('app-web')), view(spec('app-db')), view(spec('app-cache'))];
  const p = plan([spec('app-web', 'x:2'), spec('app-db', 'x:1', { replicas: 3 }), spec('app-cache')], existing);
  assert.deepEqual(p.create, []);
  assert.deepEqual(
    p.update.map((u) => [u.spec.name, u.newVersion, u.changes]),
    [
      ['app-web', true, ['task.image']],
      ['app-db', false, ['replicas']],
    ],
  );
  assert.deepEqual(p.unchanged, ['app-cache']);
});

test('key order and defaults written out do not count as a change', () => {
  const existing = [view({ labels: { 'poseidon.stack': 'app' }, task: { image: 'x:1' }, name: 'app-web' })];
  const p = plan([spec('app-web', 'x:1', { replicas: 1, update: { parallelism: 1 } })], existing);
  assert.deepEqual([p.update, p.unchanged], [[], ['app-web']]);
});

test('a service restarted with service update --force is unchanged by the file, which never says forceUpdate', () => {
  const existing = [view(spec('app-web', 'x:1', { forceUpdate: 3 }))];
  const p = plan([spec('app-web')], existing);
  assert.deepEqual([p.update, p.unchanged], [[], ['app-web']]);
});

test("the stack's services the file no longer has are listed for removal; other stacks' and plain services are not", () => {
  const existing = [
    view(spec('app-web')),
    view(spec('app-old')),
    view(spec('other-web', 'x:1', {}, 'other')),
    view({ name: 'plain', task: { image: 'x' } }),
  ];
  const p = plan([spec('app-web')], existing, true);
  assert.deepEqual(p.remove, ['app-old']);
});

test('a service of the same name outside the stack is refused, naming it, before anything changes', () => {
  assert.throws(() => plan([spec('app-web')], [view({ name: 'app-web', task: { image: 'x' } })]), {
    message: /^service app-web exists and belongs to no stack; remove it or deploy under another stack name \(--name\)/,
  });
  assert.throws(() => plan([spec('app-web')], [view(spec('app-web', 'x', {}, 'other'))]), {
    message: /belongs to stack other/,
  });
});

test('a global service the file leaves as it is is unchanged; a change of mode is listed as a change', () => {
  const global = { mode: 'global' as const };
  const existing = [view(spec('app-web', 'x:1', global)), view(spec('app-db')), view(spec('app-cache', 'x:1', global))];
  const p = plan([spec('app-web', 'x:1', global), spec('app-db', 'x:1', global), spec('app-cache')], existing);
  assert.deepEqual(p.unchanged, ['app-web']);
  assert.deepEqual(
    p.update.map((u) => [u.spec.name, u.changes, u.spec.mode, u.spec.replicas]),
    [
      ['app-db', ['mode', 'replicas'], 'global', undefined],
      ['app-cache', ['mode', 'replicas'], undefined, 1],
    ],
  );
  // the mode each has now, which the deploy names when it refuses the change
  assert.deepEqual(
    p.update.map((u) => u.fromMode),
    ['replicated', 'global'],
  );
});

test("a job is sent with no rollout settings, whatever the manager's reading fills in", () => {
  const job = { mode: 'replicated-job' as const, replicas: 3 };
  const existing = [view(spec('app-migrate', 'x:1', job))];
  assert.equal(existing[0]?.spec.update, undefined, 'the view of a job shows none');
  const again = plan([spec('app-migrate', 'x:1', job)], existing);
  assert.deepEqual(again.unchanged, ['app-migrate']);
  const p = plan([spec('app-migrate', 'x:2', job), spec('app-prune', 'x:1', { mode: 'global-job' })], existing);
  assert.deepEqual(
    p.update.map((u) => [u.spec.name, u.newVersion, u.changes, 'update' in u.spec, u.fromMode]),
    [['app-migrate', true, ['task.image'], false, 'replicated-job']],
  );
  assert.deepEqual(
    p.create.map((s) => [s.name, s.mode, 'update' in s, 'rollback' in s]),
    [['app-prune', 'global-job', false, false]],
  );
});

test('no mode and mode replicated are the same, on either side', () => {
  const said = view(spec('app-web'));
  said.spec = { ...said.spec, mode: 'replicated' }; // as a spec written out by hand would have it
  const p = plan([spec('app-web'), spec('app-db', 'x:1', { mode: 'replicated' })], [said, view(spec('app-db'))]);
  assert.deepEqual([p.update, p.unchanged], [[], ['app-web', 'app-db']]);
  assert.deepEqual(
    changedFields({ name: 'a', task: { image: 'x' } }, { name: 'a', mode: 'replicated', task: { image: 'x' } }),
    [],
  );
});

test("a change of placement preferences is a change, and a new version by the manager's reading", () => {
  const zone = { preferences: [{ spread: 'node.labels.zone' }] };
  const zoneRack = { preferences: [{ spread: 'node.labels.zone' }, { spread: 'node.labels.rack' }] };
  const rackZone = { preferences: [{ spread: 'node.labels.rack' }, { spread: 'node.labels.zone' }] };
  // as the manager keeps them, and as poseidon deploy reads the file: parseServiceSpec, templateChanged
  const stored = (s: ServiceSpec): ServiceView => ({ ...view(s), spec: parseServiceSpec(s) });
  const existing = [
    stored(spec('app-web', 'x:1', zone)),
    stored(spec('app-db')),
    stored(spec('app-cache', 'x:1', zone)),
    stored(spec('app-api', 'x:1', zoneRack)),
    stored(spec('app-queue', 'x:1', zone)),
  ];
  const p = planStack({
    stack: 'app',
    desired: [
      spec('app-web', 'x:1', zoneRack), // one more
      spec('app-db', 'x:1', zone), // the first
      spec('app-cache'), // none left
      spec('app-api', 'x:1', rackZone), // the same labels, in another order: they weigh otherwise
      spec('app-queue', 'x:1', zone),
    ],
    existing,
    prune: false,
    normalize: (s) => parseServiceSpec(s),
    templateChanged: newVersion,
  });
  assert.deepEqual(
    p.update.map((u) => [u.spec.name, u.newVersion, u.changes]),
    [
      ['app-web', true, ['preferences']],
      ['app-db', true, ['preferences']],
      ['app-cache', true, ['preferences']],
      ['app-api', true, ['preferences']],
    ],
  );
  assert.deepEqual(p.unchanged, ['app-queue']);
});

test("the default stack name is the directory's, made a DNS label", () => {
  assert.equal(stackNameFrom('my_project'), 'my-project');
  assert.equal(stackNameFrom('Web.App'), 'web-app');
  assert.equal(stackNameFrom('__'), null);
  assert.equal(stackNameFrom('a'.repeat(60)), 'a'.repeat(40));
});
