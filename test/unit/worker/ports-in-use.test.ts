import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { PortRequest } from '../../../src/task/index.js';
import { portsInUseOutside } from '../../../src/worker/index.js';
import { ENDED_PORTS_MS } from '../../../src/worker/worker.js';
import { FakeDriver, FakeHost } from '../../../testkit/fake-driver.js';
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

/** Where the fake engine publishes a port that names no host address, as a worker with --host 127.0.0.1. */
const HOST = '127.0.0.1';
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
  assert.deepEqual([...fake.worker.hostPortsOfTasks(HOST)].sort(), [`${HOST}:8080/tcp`, `${HOST}:9090/tcp`]);
  const ended = fake.worker.get(T1);
  fake.driver.exit(ended.containerId ?? assert.fail('no container'), 1);
  await idle();
  assert.equal(fake.worker.get(T1).state, 'Failed');
  assert.deepEqual(
    [...fake.worker.hostPortsOfTasks(HOST)].sort(),
    [`${HOST}:8080/tcp`, `${HOST}:9090/tcp`],
    'just ended: still its own',
  );
  clock.advance(ENDED_PORTS_MS + 1);
  assert.deepEqual([...fake.worker.hostPortsOfTasks(HOST)], [`${HOST}:9090/tcp`], 'ended long ago: holds nothing');
});

const PORT_18090: PortRequest[] = [{ containerPort: 8080, hostPort: 18090, protocol: 'tcp' }];

/** Two workers as processes of one machine: their fake engines share its host ports. */
async function twoWorkersOnOneHost(t: TestContext): Promise<{ host: FakeHost; w1: FakeWorker; w2: FakeWorker }> {
  const clock = new FakeClock();
  const host = new FakeHost();
  const on = (name: string): FakeWorker =>
    new FakeWorker({ name, clock, driver: new FakeDriver({ workerName: name, clock, host }) });
  const w1 = on('svc-w1');
  const w2 = on('svc-w2');
  await w1.start();
  await w2.start();
  t.after(() => Promise.all([w1.stop(), w2.stop()]));
  return { host, w1, w2 };
}

test("a port a task asked for but failed to start on is another's: reported, when the host's reading has it", async (t) => {
  const { host, w1, w2 } = await twoWorkersOnOneHost(t);
  await w2.worker.submit(taskRequest(T2, { ports: PORT_18090 }), 1, 0);
  await idle();
  assert.equal(w2.worker.get(T2).state, 'Running');
  await w1.worker.submit(taskRequest(T1, { ports: PORT_18090 }), 1, 0);
  await idle();
  const failedStart = w1.worker.get(T1);
  assert.equal(failedStart.state, 'Failed');
  assert.match(failedStart.reason, /18090 failed: port is already allocated/);
  assert.deepEqual([...w1.worker.hostPortsOfTasks(HOST)], [], 'its start failed: it holds nothing');
  const read = async (): Promise<string[]> => host.heldPorts();
  assert.deepEqual(
    await portsInUseOutside(w1.worker, read, HOST),
    [`${HOST}:18090/tcp`],
    "svc-w2's container holds it",
  );
  assert.deepEqual(await portsInUseOutside(w2.worker, read, HOST), [], 'svc-w2 holds it for its own task');
});

test('a task starting again on the port it failed on holds it from then: never taken for an outsider meanwhile', async (t) => {
  const { host, w1, w2 } = await twoWorkersOnOneHost(t);
  await w2.worker.submit(taskRequest(T2, { ports: PORT_18090 }), 1, 0);
  await w1.worker.submit(taskRequest(T1, { ports: PORT_18090 }), 1, 0);
  await idle();
  assert.equal(w1.worker.get(T1).state, 'Failed');
  await w2.worker.remove(T2);
  await idle();
  assert.deepEqual(host.heldPorts(), []);
  w1.driver.hold('start');
  await w1.worker.submit(taskRequest(T1, { ports: PORT_18090 }), 2, 0); // the restart placed here
  await idle();
  assert.equal(w1.worker.get(T1).state, 'Scheduled');
  const held = await portsInUseOutside(
    w1.worker,
    async () => {
      w1.driver.release('start'); // its container binds the port while the host is read
      await idle();
      return host.heldPorts();
    },
    HOST,
  );
  assert.equal(w1.worker.get(T1).state, 'Running');
  assert.deepEqual(held, [], 'its own port, though the reading has it');
  assert.deepEqual([...w1.worker.hostPortsOfTasks(HOST)], [`${HOST}:18090/tcp`]);
});
