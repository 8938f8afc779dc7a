import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registration, settle, startManager, W1, withVolumeService } from './manager-harness.js';

// A task, service or volume named that is not there: the error says how to list them, and names the one
// a typo away ("did you mean web?"), where it said only "no service wbe" or `no task matches "x"`.

const LIST_SERVICES = 'poseidon service ls lists the services';
const LIST_TASKS = 'poseidon status lists the tasks';
const LIST_VOLUMES =
  'poseidon volume ls lists the volumes, which the manager records once a task that mounts one has run';

test('a service not there: the one a typo away is named, and how to list them', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.services.create({ name: 'web', replicas: 1, task: { image: 'poseidon/busybox:latest' } });
  await settle(h.manager);
  assert.throws(() => h.manager.services.get('wbe'), {
    code: 'service_not_found',
    message: `no service wbe (did you mean web?); ${LIST_SERVICES}`,
  });
  await assert.rejects(h.manager.services.scale('weeb', 2), {
    message: `no service weeb (did you mean web?); ${LIST_SERVICES}`,
  });
  await assert.rejects(h.manager.services.remove('shop'), { message: `no service shop; ${LIST_SERVICES}` });
});

test('a task not there: the name a typo away is named, and how to list them; an id prefix gets the list only', async (t) => {
  const h = await startManager(t);
  await h.manager.register(registration(W1));
  await h.manager.services.create({ name: 'web', replicas: 1, task: { image: 'poseidon/busybox:latest' } });
  await settle(h.manager);
  assert.throws(() => h.manager.getTask('wbe-1'), {
    code: 'task_not_found',
    message: `no task matches "wbe-1" (did you mean web-1?); ${LIST_TASKS}`,
  });
  assert.throws(() => h.manager.getTask('ffffffff'), { message: `no task matches "ffffffff"; ${LIST_TASKS}` });
});

test('a volume not there: the one a typo away is named, and how to list them (inspect and rm alike)', async (t) => {
  const h = await withVolumeService(t);
  assert.throws(() => h.manager.volumes.get('dta-1'), {
    code: 'volume_not_found',
    message: `no volume dta-1 (did you mean data-1?); ${LIST_VOLUMES}`,
  });
  const onNode = async (): Promise<void> => undefined;
  await assert.rejects(h.manager.volumes.remove('data-2', onNode), {
    message: `no volume data-2 (did you mean data-1?); ${LIST_VOLUMES}`,
  });
  await assert.rejects(h.manager.volumes.remove('shop', onNode), { message: `no volume shop; ${LIST_VOLUMES}` });
});
