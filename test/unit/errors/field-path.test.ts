import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldPath, fieldProblem, InvalidField, pointerPath } from '../../../src/errors/index.js';

test('a field path joins keys with dots and puts list indexes in brackets', () => {
  assert.equal(fieldPath('', 'ports'), 'ports');
  assert.equal(fieldPath('', 'ports', 0, 'published'), 'ports[0].published');
  assert.equal(fieldPath('services.web', 'ports', 2), 'services.web.ports[2]');
  assert.equal(fieldPath('template', 'healthCheck.command', 1), 'template.healthCheck.command[1]');
  assert.equal(fieldPath('tasks'), 'tasks');
});

test('a JSON pointer reads as a field path: an index only where the value holds a list', () => {
  const value = { ports: [{ host: 1 }], env: { '0': 'x' }, 'a/b': { '~': [[1]] } };
  assert.equal(pointerPath('/ports/0/host', value), 'ports[0].host');
  assert.equal(pointerPath('/ports/0/host', value, 'template'), 'template.ports[0].host');
  assert.equal(pointerPath('/env/0', value), 'env.0');
  assert.equal(pointerPath('/a~1b/~0/0/0', value), 'a/b.~[0][0]');
  assert.equal(pointerPath('', value, 'body'), 'body');
  assert.equal(pointerPath('', value), '');
  // a field the value does not have (a required one) is still named
  assert.equal(pointerPath('/ports/0/container', value), 'ports[0].container');
});

test('a message about a field reads `field problem`, the field its subject, whatever named it', () => {
  assert.equal(
    fieldProblem('services.web.ports[0].name', 'must be a DNS label'),
    'services.web.ports[0].name must be a DNS label',
  );
  const err = new InvalidField('task.ports[1].host', '80/tcp is bound twice');
  assert.equal(err.message, 'task.ports[1].host 80/tcp is bound twice');
  // the problem is kept apart, so a caller that renames the field (a seed file's Task.ExposedPorts) need not cut it out
  assert.equal(err.field, 'task.ports[1].host');
  assert.equal(err.problem, '80/tcp is bound twice');
});
