import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeDetailView } from '../../../src/api/index.js';
import { volumeDetail } from '../../../src/cli/volume-detail.js';

// `poseidon volume inspect NAME` for people: the volume's node, then who mounts it and where.

const NOW = Date.parse('2026-12-04T12:00:00.000Z');
const NODE_ID = '11111111-1111-4111-8111-111111111111';

function volume(users: VolumeDetailView['users']): VolumeDetailView {
  return {
    name: 'data-1',
    node: 'w1',
    nodeId: NODE_ID,
    inUseBy: users.map((u) => u.id),
    createdAt: '2026-12-04T11:57:00.000Z',
    users,
  };
}

test('volume inspect: its node, who uses it, and a row per task with its service, slot and node', () => {
  const text = volumeDetail(
    volume([
      {
        id: 'aaaaaaaa-0000-4000-8000-000000000000',
        name: 'db-1',
        service: 'db',
        slot: 1,
        state: 'Running',
        node: 'w1',
      },
      { id: 'bbbbbbbb-0000-4000-8000-000000000000', name: 'backup', state: 'Pending', node: null },
    ]),
    NOW,
  );
  assert.equal(
    text,
    [
      'Name:    data-1',
      `Node:    w1 (${NODE_ID})`,
      'Created: 2026-12-04T11:57:00.000Z (3m ago)',
      'Used by: service db (1 replica), 1 task',
      '',
      'TASK      NAME    SERVICE  SLOT  STATE    NODE',
      'aaaaaaaa  db-1    db       1     Running  w1',
      'bbbbbbbb  backup  -        -     Pending  -',
    ].join('\n'),
  );
});

test('volume inspect: a volume nothing uses says how to remove it; a node the manager forgot is said', () => {
  const text = volumeDetail({ ...volume([]), node: NODE_ID }, NOW);
  assert.match(text, /^Used by:\s+nothing \(poseidon volume rm data-1 removes it, with its data\)$/m);
  assert.match(text, new RegExp(`^Node:\\s+${NODE_ID} \\(a node the manager does not know\\)$`, 'm'));
  assert.doesNotMatch(text, /TASK/);
});
