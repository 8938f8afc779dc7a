import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskNames } from '../../../src/manager/task-names.js';

test('a name finds every task of it, one or many, and none once they are gone', () => {
  const names = new TaskNames();
  assert.deepEqual([...names.of('web')], []);
  names.add('web', 'a');
  names.add('web', 'a'); // the same task again: still one
  assert.deepEqual([...names.of('web')], ['a']);
  names.add('web', 'b');
  names.add('db', 'c');
  assert.deepEqual([...names.of('web')].sort(), ['a', 'b']);
  assert.deepEqual([...names.names()].sort(), ['db', 'web']);
  names.delete('web', 'a');
  assert.deepEqual([...names.of('web')], ['b']);
  names.add('web', 'd');
  assert.deepEqual([...names.of('web')].sort(), ['b', 'd']);
  names.delete('web', 'x'); // not of this name: nothing changes
  names.delete('web', 'b');
  names.delete('web', 'd');
  assert.deepEqual([...names.of('web')], []);
  assert.deepEqual([...names.names()], ['db']);
  names.delete('db', 'other');
  assert.deepEqual([...names.of('db')], ['c']);
});
