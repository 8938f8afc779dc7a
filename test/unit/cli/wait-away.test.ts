import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceView } from '../../../src/api/index.js';
import { ServerUnreachable } from '../../../src/client/index.js';
import { waitForRollout, type WaitClient } from '../../../src/cli/service-wait.js';
import { AwayLooks } from '../../../src/cli/wait-away.js';
import { serviceTaskView } from '../../helpers/manager-task-view.js';

// `service update|rollback --wait` while its manager is killed and started again: the rollout goes
// on in the manager, so the wait asks again, said once, instead of ending with exit 1 while the
// update completes. A fake manager answers, is away for some looks, then answers again.

const NOW = '2026-12-03T00:00:00.000Z';
const FAST = { windowMs: 60_000, pauseMs: 1, maxPauseMs: 2 };

function rollout(state: 'updating' | 'completed'): ServiceView {
  return {
    name: 'web',
    version: 2,
    spec: {} as ServiceView['spec'],
    mode: 'replicated',
    replicas: 1,
    healthy: 1,
    running: 1,
    image: 'poseidon/busybox:latest',
    update: {
      state,
      fromVersion: 1,
      toVersion: 2,
      updated: state === 'completed' ? 1 : 0,
      failed: 0,
      total: 1,
      startedAt: NOW,
      finishedAt: state === 'completed' ? NOW : null,
      reason: state === 'completed' ? 'all 1 replicas run version 2' : 'new version',
      deadline: NOW,
    },
    createdAt: NOW,
    updatedAt: NOW,
  };
}

/** Answers each look as `looks` says: a view, or away (the manager not reached). */
function manager(looks: Array<ServiceView | 'away'>): WaitClient {
  let last: ServiceView | 'away' = 'away';
  const next = async (): Promise<ServiceView> => {
    last = looks.shift() ?? last;
    if (last === 'away') throw new ServerUnreachable('https://m:5555', 'manager at https://m:5555');
    return last;
  };
  return { getService: next, serviceTasks: async () => [serviceTaskView(1)] };
}

test('a rollout wait rides out its manager going away, says so once, and ends as the rollout does', async () => {
  const notes: string[] = [];
  const lines: string[] = [];
  const client = manager([rollout('updating'), 'away', 'away', 'away', rollout('completed')]);
  const away = new AwayLooks((l) => notes.push(l), FAST);
  const ok = await waitForRollout(client, 'web', 60_000, (l) => lines.push(l), 'completed', away);
  assert.equal(ok, true);
  assert.equal(lines.at(-1), 'service web: completed: all 1 replicas run version 2');
  assert.deepEqual(notes, [
    'the manager did not answer (it stopped, or restarts); service web goes on without it, and the wait asks ' +
      'again for up to 60 s',
    'the manager answers again; the wait goes on',
  ]);
});

test('a manager away longer than the window ends the wait with its error; one never reached, at once', async () => {
  const notes: string[] = [];
  const gone = manager([rollout('updating'), 'away']);
  const brief = new AwayLooks((l) => notes.push(l), { windowMs: 20, pauseMs: 1, maxPauseMs: 2 });
  await assert.rejects(
    waitForRollout(gone, 'web', 60_000, () => {}, 'completed', brief),
    {
      code: 'unreachable',
      message: 'cannot reach manager at https://m:5555',
    },
  );
  assert.equal(notes.length, 1, 'said once, however many looks failed');
  const never = manager(['away']);
  const quiet: string[] = [];
  await assert.rejects(
    waitForRollout(never, 'web', 60_000, () => {}, 'completed', new AwayLooks((l) => quiet.push(l), FAST)),
    { code: 'unreachable' },
  );
  assert.deepEqual(quiet, [], 'a wrong address or CA is not a manager away');
});

test('a rollout that ends other than as waited for says what to do next, once, and the wait is not ok', async () => {
  const rolledBack: ServiceView = {
    ...rollout('completed'),
    update: { ...(rollout('completed').update as NonNullable<ServiceView['update']>), state: 'rolled_back' },
  };
  const lines: string[] = [];
  const ok = await waitForRollout(manager([rolledBack]), 'web', 60_000, (l) => lines.push(l), 'completed');
  assert.equal(ok, false);
  assert.deepEqual(lines.slice(-1), [
    'service web: rolled_back: all 1 replicas run version 2 (the service runs its previous version again; ' +
      'poseidon service ps web shows the replicas that failed: fix the spec, update again)',
  ]);
  const back: string[] = [];
  assert.equal(await waitForRollout(manager([rolledBack]), 'web', 60_000, (l) => back.push(l), 'rolled_back'), true);
  assert.deepEqual(
    back.slice(-1),
    ['service web: rolled_back: all 1 replicas run version 2'],
    'a rollback waited for: no advice',
  );
});
