import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notFoundHint } from '../../../src/errors/not-found.js';
import { nearestField } from '../../../src/errors/nearest-name.js';

// A miss is anyone's to ask for: the near-name search of a not-found error compares a bounded
// number of names, and skips those whose length alone puts them further off than the best so far.

const LIST = 'poseidon status lists the tasks';

test('a near name among the first 5,000 is named; names past them are not compared', () => {
  const filler = Array.from({ length: 5_000 }, (_, i) => `task-${i}`);
  assert.equal(notFoundHint('databse', ['database', ...filler], LIST), ` (did you mean database?); ${LIST}`);
  assert.equal(notFoundHint('databse', [...filler, 'database'], LIST), `; ${LIST}`);
  assert.equal(notFoundHint('tsak-7', [...filler, ...filler], LIST), ` (did you mean task-7?); ${LIST}`);
});

test('the length shortcut finds what the full search finds, the first of a tie included', () => {
  const names = ['restartPolicy', 'restart', 'resources', 'rest', 'reset'];
  assert.equal(nearestField('restrt', names), 'restart');
  assert.equal(nearestField('rset', names), 'rest');
  assert.equal(nearestField('restart_policy', names), 'restartPolicy');
  assert.equal(nearestField('zzzzzz', names), undefined);
});
