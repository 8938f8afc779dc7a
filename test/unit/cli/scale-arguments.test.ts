import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaleArguments } from '../../../src/cli/service-action.js';

// `poseidon service scale` takes docker's `web=6` and the `web 6` people type first.

test('web=6 and web 6 both scale web to 6', () => {
  assert.deepEqual(scaleArguments('web=6', undefined), { name: 'web', count: 6 });
  assert.deepEqual(scaleArguments('web', '6'), { name: 'web', count: 6 });
  assert.deepEqual(scaleArguments('web', '0'), { name: 'web', count: 0 });
});

test('a name alone, a count that is not a whole number, or both forms at once are refused, naming what', () => {
  assert.throws(() => scaleArguments('web', undefined), /NAME=REPLICAS is "web"; use e\.g\. web=6 \(or web 6\)/);
  assert.throws(() => scaleArguments('web=six', undefined), /REPLICAS is "six"; use a whole number such as 6/);
  assert.throws(() => scaleArguments('web', '-1'), /REPLICAS is "-1"/);
  assert.throws(() => scaleArguments('web', '1.5'), /REPLICAS is "1\.5"/);
  assert.throws(() => scaleArguments('web=2', '3'), /NAME is "web=2"; give web=6 or web 6, not both/);
});
