import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeUpdateOf } from '../../../src/cli/node-update.js';
import { nodeLabelsText } from '../../../src/task/constraint.js';

// `poseidon node update`: its flags, read before anything is sent.

test('node update reads --label-add, --label-rm and --availability', () => {
  assert.deepEqual(nodeUpdateOf({ labelAdd: ['zone=b', 'disk=ssd'], labelRm: ['gpu', 'gpu'] }), {
    labels: { add: { zone: 'b', disk: 'ssd' }, remove: ['gpu'] },
  });
  assert.deepEqual(nodeUpdateOf({ availability: 'drain' }), { availability: 'drain' });
  assert.deepEqual(nodeUpdateOf({ labelRm: ['zone'], availability: 'active' }), {
    labels: { add: {}, remove: ['zone'] },
    availability: 'active',
  });
});

test('node update refuses what it cannot send, naming the flag', () => {
  const refused = (flags: Parameters<typeof nodeUpdateOf>[0], message: string): void =>
    assert.throws(() => nodeUpdateOf(flags), { code: 'invalid_request', message });
  refused({}, 'node update changes nothing; give --label-add, --label-rm or --availability');
  refused({ labelRm: ['zone=a'] }, '--label-rm is "zone=a"; give a label key (zone, not zone=a)');
  refused({ labelAdd: ['zone=a'], labelRm: ['zone'] }, '--label-rm names zone, which --label-add sets');
  refused({ availability: 'stop' }, '--availability is "stop"; use active, pause or drain');
  assert.throws(() => nodeUpdateOf({ labelAdd: ['zone'] }), /^InvalidField: --label-add must be key=value/);
});

test("a node's labels line marks the operator's and names the worker's it removed", () => {
  assert.equal(nodeLabelsText({}), '-');
  assert.equal(nodeLabelsText({ zone: 'a', os: 'linux' }), 'zone=a, os=linux');
  assert.equal(
    nodeLabelsText({ zone: 'b', os: 'linux' }, { zone: 'b', gpu: null }),
    'zone=b (node update), os=linux; removed by node update: gpu',
  );
  assert.equal(nodeLabelsText({}, { gpu: null }), '-; removed by node update: gpu');
});
