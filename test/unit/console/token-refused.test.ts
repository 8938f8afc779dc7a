import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, ApiError } from '../../../src/console/api.js';
import { EventFollower, type StreamState } from '../../../src/console/event-stream.js';

// A token revoked (or expired) while the console is open: the manager ends its event stream
// (src/manager/event-stream.ts) and refuses it from then on (401). The console hears that once,
// signs out saying so, and does not ask again and again with a token that cannot work.

const REVOKED = { error: { code: 'unauthenticated', message: 'token 1a2b3c4d5e6f was revoked' } };

/** An Api whose every call is answered `status` with `body`; the paths it was asked for. */
function answering(status: number, body: unknown): { api: Api; asked: string[] } {
  const asked: string[] = [];
  const api = new Api('psdn_1a2b3c4d5e6f_secret', async (input) => {
    asked.push(String(input));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return { api, asked };
}

test('an answer that refuses the token is told to the page once per call, with the manager’s words', async () => {
  const { api } = answering(401, REVOKED);
  const told: string[] = [];
  const off = api.onTokenRefused((err) => told.push(err.message));
  await assert.rejects(
    api.get('/nodes', () => null),
    (err: unknown) => err instanceof ApiError && err.status === 401,
  );
  await assert.rejects(api.stream('/events', new AbortController().signal), ApiError);
  assert.deepEqual(told, ['token 1a2b3c4d5e6f was revoked', 'token 1a2b3c4d5e6f was revoked']);
  off();
  await assert.rejects(
    api.get('/nodes', () => null),
    ApiError,
  );
  assert.equal(told.length, 2, 'no longer told once the page stopped listening');
});

test('a refusal of what the token may do (403), or a failure, is not a refused token', async () => {
  for (const status of [403, 500, 503]) {
    const { api } = answering(status, { error: { code: 'x', message: 'no' } });
    let told = false;
    api.onTokenRefused(() => (told = true));
    await assert.rejects(
      api.get('/nodes', () => null),
      ApiError,
    );
    assert.equal(told, false, `${status}`);
  }
});

test('the event stream stops at a refused token, saying why, instead of asking again', async () => {
  const { api, asked } = answering(401, REVOKED);
  const states: Array<[StreamState, string]> = [];
  const follower = new EventFollower(api, {
    event: () => undefined,
    state: (s, detail) => void states.push([s, detail]),
    resync: async () => undefined,
  });
  follower.start();
  await follower.finished; // without the stop, it would ask again for ever: this would never resolve
  assert.deepEqual(asked, ['/events']);
  assert.deepEqual(states.at(-1), ['refused', 'token 1a2b3c4d5e6f was revoked']);
  follower.stop();
});
