import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asksNdjson, LOGS_NDJSON, logsFramed } from '../../../src/api/index.js';

// How a log read is asked to keep the container's streams apart: its Accept header.

test('a log read keeps the streams apart only when its Accept names application/x-ndjson', () => {
  for (const accept of [undefined, '', '*/*', 'text/plain', 'text/*', 'text/plain; charset=utf-8'])
    assert.equal(logsFramed(accept), false, `${accept}: text, as before`);
  for (const accept of [LOGS_NDJSON, 'text/plain;q=0.5, application/x-ndjson', 'Application/X-NDJSON'])
    assert.equal(logsFramed(accept), true, accept);
  assert.equal(logsFramed('application/x-ndjson;q=0, */*'), false, 'refused with q=0: text');
  assert.equal(asksNdjson('text/plain, application/x-ndjson'), true);
  assert.equal(asksNdjson('application/json'), false, 'judged by the server the call goes on to');
});

test('an Accept that names neither type nor a range of them is refused, saying what to ask for', () => {
  assert.throws(() => logsFramed('application/json'), {
    code: 'invalid_request',
    message:
      'accept is "application/json"; ask for text/plain (the output as one text) or application/x-ndjson ' +
      '(each stream apart)',
  });
  assert.throws(() => logsFramed('application/x-ndjson;q=0'), { code: 'invalid_request' });
});
