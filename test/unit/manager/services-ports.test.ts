import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portsInUseOutside } from '../../../src/worker/index.js';
import { FakeHost } from '../../../testkit/fake-driver.js';
import { beat, registration, settle, startManager, urlOf, type Harness, type NodeSpec } from './manager-harness.js';

// Workers that are processes of one machine share its host ports: the real manager, the real
// Worker over fake engines of one FakeHost, each heartbeat carrying the ports the worker reads as
// held outside its tasks (portsInUseOutside over the host's listening ports), time the fake clock.

const SVC_W1: NodeSpec = { id: '11111111-1111-4111-8111-111111111111', name: 'svc-w1' };
const SVC_W2: NodeSpec = { id: '22222222-2222-4222-8222-222222222222', name: 'svc-w2' };
const NODES = [SVC_W1, SVC_W2];

/** Heartbeat periods of 1 s, both nodes beating as `poseidon worker` does, the manager acting between them. */
async function advance(h: Harness, host: FakeHost, ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 1_000) {
    h.clock.advance(1_000);
    for (const n of NODES) {
      const w = h.workers.at(urlOf(n));
      const portsInUse = await portsInUseOutside(w.fake.worker, async () => host.heldPorts(), '127.0.0.1');
      const b = beat(n, w.activeReports());
      await h.manager.heartbeat(n.id, { ...b, metrics: { ...b.metrics, portsInUse } });
    }
    await settle(h.manager);
  }
}

test('3 replicas of one fixed host port on 2 workers of one host: one runs, the others wait naming the port, no crash loop', async (t) => {
  const host = new FakeHost();
  const h = await startManager(t, { host });
  for (const n of NODES) await h.manager.register(registration(n));
  await h.manager.services.create({
    name: 'fixed',
    replicas: 3,
    task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'], ports: [{ container: 8080, host: 18090 }] },
  });
  await settle(h.manager);
  await advance(h, host, 120_000); // past every restart's backoff, and the give-ups

  const live = (): Array<{ state: string; node: string | null; reason: string }> =>
    h.manager.services.tasks('fixed').filter((x) => x.desiredState === 'running');
  const running = live().filter((x) => x.state === 'Running');
  assert.equal(running.length, 1, 'the host has one port 18090: one replica holds it');
  assert.deepEqual(host.heldPorts(), ['127.0.0.1:18090/tcp'], 'published where the workers publish');
  const waiting = live().filter((x) => x.state !== 'Running');
  assert.equal(waiting.length, 2);
  for (const x of waiting) {
    // a new replica Pending, or one that failed to start waiting for its restart: each says why
    const why = x.state === 'Pending' ? '' : 'restart waiting: ';
    assert.ok(x.state === 'Pending' || x.state === 'Failed', x.state);
    assert.match(x.reason, new RegExp(`^${why}0/2 nodes can run fixed-\\d+: .*host port (127.0.0.1:)?18090/tcp`));
  }
  const holder = running[0]?.node ?? assert.fail('no replica runs');
  const other = NODES.find((n) => n.name !== holder) ?? assert.fail('no other node');
  assert.ok(
    h.manager
      .listNodes()
      .find((n) => n.name === other.name)
      ?.portsInUse.includes('127.0.0.1:18090/tcp'),
    `${other.name} reports the port ${holder}'s container holds on their host`,
  );

  const starts = h.workers.totalStarts();
  await advance(h, host, 120_000);
  assert.equal(h.workers.totalStarts(), starts, 'no start is tried again while the port is held');
  assert.equal(live().filter((x) => x.state === 'Running').length, 1);
});
