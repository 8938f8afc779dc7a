import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostSnapshot } from '../../../src/stats/index.js';
import { beatDelayMs, HostReadings } from '../../../src/worker/host-readings.js';

const snapshot = (cpuUsage: number): HostSnapshot => ({ cpuUsage }) as unknown as HostSnapshot;

/** A read() whose readings the test hands out one by one. */
function scriptedReads(): {
  read: () => Promise<HostSnapshot>;
  calls: () => number;
  answer: (host: HostSnapshot) => void;
  fail: (err: Error) => void;
} {
  const pending: Array<{ resolve: (h: HostSnapshot) => void; reject: (e: Error) => void }> = [];
  let calls = 0;
  return {
    read: () => {
      calls += 1;
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    calls: () => calls,
    answer: (host) => pending.shift()?.resolve(host),
    fail: (err) => pending.shift()?.reject(err),
  };
}

/** Readings whose first reading has been taken (`cpuUsage` as given), and the script of the next ones. */
async function primed(
  cpuUsage: number,
): Promise<{ reads: ReturnType<typeof scriptedReads>; readings: HostReadings<HostSnapshot> }> {
  const reads = scriptedReads();
  const readings = new HostReadings<HostSnapshot>(reads.read);
  const first = readings.fresh();
  reads.answer(snapshot(cpuUsage));
  await first;
  return { reads, readings };
}

test('the first reading is waited for; later calls get the latest at once while a new one is read', async () => {
  const reads = scriptedReads();
  const readings = new HostReadings<HostSnapshot>(reads.read);
  const first = readings.latest();
  reads.answer(snapshot(0.1));
  assert.equal((await first).cpuUsage, 0.1);
  // the next reading never ends here: the caller is not held up by it
  assert.equal((await readings.latest()).cpuUsage, 0.1);
  assert.equal((await readings.latest()).cpuUsage, 0.1);
  assert.equal(reads.calls(), 2, 'one reading at a time');
  reads.answer(snapshot(0.7));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal((await readings.latest()).cpuUsage, 0.7);
});

test('fresh() waits for a new reading', async () => {
  const { reads, readings } = await primed(0.2);
  let settled = false;
  const second = readings.fresh().then((h) => {
    settled = true;
    return h;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false);
  reads.answer(snapshot(0.3));
  assert.equal((await second).cpuUsage, 0.3);
});

test('a reading that failed is not hidden: the next call waits for a new one and sees its failure', async () => {
  const { reads, readings } = await primed(0.1);
  const stale = readings.latest(); // the latest at once; a new reading starts
  reads.fail(new Error('procfs gone'));
  assert.equal((await stale).cpuUsage, 0.1);
  await new Promise((resolve) => setImmediate(resolve));
  const next = readings.latest();
  reads.fail(new Error('procfs still gone'));
  await assert.rejects(next, /procfs still gone/);
});

test("the next beat's wait counts from when the last one went, not from its answer", () => {
  assert.equal(beatDelayMs(1_000, 150), 850);
  assert.equal(beatDelayMs(1_000, 2_000), 0);
  assert.equal(beatDelayMs(1_000, 0), 1_000);
});

test('with refreshAfterMs, latest() reads again only once the latest reading is that old', async () => {
  const reads = scriptedReads();
  const slow = new HostReadings<HostSnapshot>(reads.read, 60_000);
  const first = slow.latest();
  reads.answer(snapshot(0.3));
  assert.equal((await first).cpuUsage, 0.3);
  assert.equal((await slow.latest()).cpuUsage, 0.3);
  assert.equal((await slow.latest()).cpuUsage, 0.3);
  assert.equal(reads.calls(), 1, 'a reading younger than refreshAfterMs is used as it is');

  const quick = new HostReadings<HostSnapshot>(reads.read, 1);
  const primedQuick = quick.latest();
  reads.answer(snapshot(0.4));
  await primedQuick;
  await new Promise((resolve) => setTimeout(resolve, 5)); // older than 1 ms now
  assert.equal((await quick.latest()).cpuUsage, 0.4, 'the latest is handed out while the new one is read');
  assert.equal(reads.calls(), 3, 'an older reading starts a new one');
});
