import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortRequest } from '../../../src/task/index.js';
import { portsInUseOutside } from '../../../src/worker/index.js';
import { ENDED_PORTS_MS } from '../../../src/worker/worker.js';
import { FakeWorker } from '../../../testkit/fake-worker.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRequest } from '../../helpers/task-request.js';

test('the ports a worker reports leave out every port its tasks name, looked at after the reading', async () => {
  const own = new Set(['8080/tcp']);
  const worker = { hostPortsOfTasks: () => new Set(own) };
  const held = await portsInUseOutside(worker, async () => {
    own.add('9090/tcp'); // a task started while the tables were read
    return ['22/tcp', '8080/tcp', '9090/tcp', '9090/udp'];
  });
  assert.deepEqual(held, ['22/tcp', '9090/udp']);
});

const T1 = '11111111-0000-4000-8000-000000000001';
const T2 = '22222222-0000-4000-8000-000000000002';

async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

test(`a worker's own ports: its active tasks', and an ended task's for ${ENDED_PORTS_MS / 1000} s after it ended`, async (t) => {
  const clock = new FakeClock();
  const fake = new FakeWorker({ name: 'w1', clock });
  await fake.start();
  t.after(() => fake.stop());
  const port = (hostPort: number): PortRequest[] => [{ containerPort: 80, hostPort, protocol: 'tcp' }];
  await fake.worker.submit(taskRequest(T1, { ports: port(8080) }), 1, 0);
  await fake.worker.submit(taskRequest(T2, { ports: port(9090) }), 1, 0);
  await idle();
  assert.deepEqual([...fake.worker.hostPortsOfTasks()].sort(), ['8080/tcp', '9090/tcp']);
  const ended = fake.worker.get(T1);
  fake.driver.exit(ended.containerId ?? assert.fail('no container'), 1);
  await idle();
  assert.equal(fake.worker.get(T1).state, 'Failed');
  assert.deepEqual([...fake.worker.hostPortsOfTasks()].sort(), ['8080/tcp', '9090/tcp'], 'just ended: still its own');
  clock.advance(ENDED_PORTS_MS + 1);
  assert.deepEqual([...fake.worker.hostPortsOfTasks()], ['9090/tcp'], 'ended long ago: holds nothing');
});
