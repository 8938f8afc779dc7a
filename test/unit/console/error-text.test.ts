import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../src/console/api.js';
import { actionErrorText, errorText } from '../../../src/console/error-text.js';

// A call that got no answer (the manager restarting, the network down) fails in the browser with
// fetch's TypeError, "Failed to fetch": the page says the manager did not answer, and of an action
// that whether it was done is not known; an answer is shown in the API's own words.

const noAnswer = new TypeError('Failed to fetch');

test('no answer is said so, never as "Failed to fetch"', () => {
  assert.equal(errorText(noAnswer), 'the manager did not answer (it may be restarting, or the network is down)');
  assert.equal(
    actionErrorText(noAnswer),
    'Not known whether it was done: the manager did not answer (it may be restarting, or the network is down). ' +
      'Look again once the page is live.',
  );
});

test("an answer is shown in the API's words, for an action too", () => {
  const refused = new ApiError(403, 'forbidden', 'token 1a2b (scope read) may not call POST /x');
  assert.equal(errorText(refused), 'refused (403 forbidden): token 1a2b (scope read) may not call POST /x');
  assert.equal(actionErrorText(refused), errorText(refused));
  assert.equal(
    errorText(new Error('the manager answered something the console cannot read: x')),
    'the manager answered something the console cannot read: x',
  );
});
