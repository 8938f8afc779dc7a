import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ManagerTaskView, NodeStatusView } from '../../src/api/index.js';
import { MAX_PORTS_IN_USE, REPORT_SLACK } from '../../src/api/index.js';
import { TEST_IMAGE } from '../integration/helpers/docker.js';
import { spawnManager, type PoseidonProcess } from '../../testkit/spawner.js';
import { waitFor } from '../integration/helpers/wait-for.js';
import { admin, asNode, joinedNode, METRICS, messageOf, registration, report, sender, type Send } from './helpers.js';

// A node floods the manager with reports (and heartbeats) naming tasks it does not hold: each such
// entry would cost the manager a lookup, a stop call and a log line. A list longer than the tasks
// placed on the node plus REPORT_SLACK is refused whole, naming the field, and nothing changes.

describe('a flood of reports from a node is refused, and nothing changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-security-flood-'));
  let node: Record<string, unknown>;
  let nodeId: string;
  let manager: PoseidonProcess;
  /** As the cluster's admin (tasks, nodes), and as the node (its own routes: it joined). */
  let send: Send;
  let sendAsNode: Send;
  let placed: ManagerTaskView[] = [];

  const tasks = async (): Promise<ManagerTaskView[]> =>
    (await send('GET', `${manager.url}/tasks`)).body as ManagerTaskView[];
  const nodes = async (): Promise<NodeStatusView[]> =>
    (await send('GET', `${manager.url}/nodes`)).body as NodeStatusView[];
  const stopCalls = (): number =>
    manager.output.filter((l) => l.includes('stopping a copy the node no longer owns')).length;

  before(async () => {
    // a long grace: the fake node never beats on its own, and must stay Up through the test
    const started = await spawnManager(join(dir, 'm'), ['--heartbeat-grace', '10m']);
    manager = started.process;
    send = sender(admin(started.access));
    const creds = await joinedNode(started.access);
    sendAsNode = sender(asNode(creds));
    nodeId = creds.info.nodeId;
    node = registration('flood-node', { nodeId });
    assert.equal((await sendAsNode('POST', `${manager.url}/nodes/register`, node)).status, 200);
    for (let i = 0; i < 3; i++) {
      const answer = await send('POST', `${manager.url}/tasks`, { name: `t${i}`, image: TEST_IMAGE });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
    }
    // placed on the only node (its URL answers nothing, so they stay Scheduled there)
    placed = await waitFor(
      async () => {
        const all = await tasks();
        return all.every((t) => t.nodeId === nodeId) ? all : undefined;
      },
      { what: 'the three tasks placed on the node' },
    );
  });
  after(async () => {
    await manager?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const unchanged = async (stopsBefore: number): Promise<void> => {
    assert.deepEqual(
      (await tasks()).map((t) => [t.id, t.state, t.nodeId, t.generation, t.reason]),
      placed.map((t) => [t.id, t.state, t.nodeId, t.generation, t.reason]),
    );
    assert.equal((await nodes()).find((n) => n.id === nodeId)?.taskCount, 3);
    assert.equal(stopCalls(), stopsBefore, 'no stop was sent for any entry of the refused list');
  };

  test(`a report with more entries than the node's 3 tasks plus ${REPORT_SLACK} is refused naming tasks`, async () => {
    const stops = stopCalls();
    const flood = Array.from({ length: 10_000 }, () => report(randomUUID()));
    const answer = await sendAsNode('POST', `${manager.url}/nodes/${nodeId}/reports`, { tasks: flood });
    assert.equal(answer.status, 400);
    assert.equal(
      messageOf(answer),
      `tasks has 10000 entries; the node holds 3 tasks here, so at most ${3 + REPORT_SLACK} (${REPORT_SLACK} spare)`,
    );
    await unchanged(stops);
  });

  test('one entry past the bound is enough to be refused', async () => {
    const stops = stopCalls();
    const flood = Array.from({ length: 3 + REPORT_SLACK + 1 }, () => report(randomUUID()));
    const answer = await sendAsNode('POST', `${manager.url}/nodes/${nodeId}/reports`, { tasks: flood });
    assert.equal(answer.status, 400);
    assert.match(messageOf(answer), /^tasks has 260 entries/);
    await unchanged(stops);
  });

  test('a report naming one task twice is refused naming the repeated entry', async () => {
    const stops = stopCalls();
    const id = placed[0]?.id as string;
    const answer = await sendAsNode('POST', `${manager.url}/nodes/${nodeId}/reports`, {
      tasks: [report(id, { state: 'Running' }), report(id, { state: 'Failed', exitCode: 1 })],
    });
    assert.equal(answer.status, 400);
    assert.match(messageOf(answer), /^tasks\[1\]\.taskId repeats tasks\[0\]\.taskId/);
    await unchanged(stops);
  });

  test('a heartbeat carrying a flood is refused too, and does not count as a beat', async () => {
    const stops = stopCalls();
    const before = (await nodes()).find((n) => n.id === nodeId)?.lastHeartbeat;
    const flood = Array.from({ length: 5_000 }, () => report(randomUUID()));
    const answer = await sendAsNode('POST', `${manager.url}/nodes/${nodeId}/heartbeat`, {
      metrics: METRICS,
      tasks: flood,
    });
    assert.equal(answer.status, 400);
    assert.match(messageOf(answer), /^tasks has 5000 entries/);
    assert.equal((await nodes()).find((n) => n.id === nodeId)?.lastHeartbeat, before);
    await unchanged(stops);
  });

  test(`host ports in use beyond ${MAX_PORTS_IN_USE}, or not written as 8080/tcp, are refused naming the field`, async () => {
    const stops = stopCalls();
    const before = (await nodes()).find((n) => n.id === nodeId)?.lastHeartbeat;
    const beat = (portsInUse: unknown[]): Promise<{ status: number; body: unknown }> =>
      sendAsNode('POST', `${manager.url}/nodes/${nodeId}/heartbeat`, {
        metrics: { ...METRICS, portsInUse },
        tasks: [],
      });
    const many = await beat(Array.from({ length: MAX_PORTS_IN_USE + 1 }, (_, i) => `${i + 1}/tcp`));
    assert.equal(many.status, 400);
    assert.match(messageOf(many), /metrics\.portsInUse must NOT have more than 4096 items/);
    const odd = await beat(['80/tcp', '\u001b[2J80/sctp']);
    assert.equal(odd.status, 400);
    assert.match(messageOf(odd), /metrics\.portsInUse\[1\] /);
    const shown = (await nodes()).find((n) => n.id === nodeId);
    assert.deepEqual(shown?.portsInUse, [], 'no port of a refused beat is kept');
    assert.equal(shown?.lastHeartbeat, before);
    await unchanged(stops);
  });
});
