import { html } from 'htm/preact';
import { useEffect, useLayoutEffect, useMemo, useReducer, useState } from 'preact/hooks';
import { Api, ApiError, TOKEN_REFUSED } from '../api.js';
import { ClusterStore } from '../cluster-store.js';
import { tokenInfo, type TokenInfo } from '../decode.js';
import { Ago } from './ago.js';
import { NodePage } from './node-page.js';
import { Overview } from './overview.js';
import { LostSince } from './lost.js';
import { errorText } from './parts.js';
import { ServicePage } from './service-page.js';
import { TaskPage } from './task-page.js';
import { useTopOnFollow } from './top-on-follow.js';

// The token lives in this tab's sessionStorage: closing the tab signs out, and no other site can
// read it. It goes only into the Authorization header of calls to this manager.
const TOKEN_KEY = 'poseidon.token';
const TOKEN_PATTERN = /^psdn_[A-Za-z0-9_-]{1,200}$/;

/** What the sign-in form says when the token it had is refused (revoked, expired): why, and how to sign in again. */
function refusedNote(why: string): string {
  return (
    `Signed out: this token no longer works (${why}). Sign in with one that does: an admin makes one with ` +
    'poseidon token create --scope read|deploy|admin (poseidon token ls says which are active).'
  );
}

type Route = { page: 'overview' } | { page: 'service' | 'task' | 'node'; id: string };

function route(hash: string): Route {
  const m = /^#\/(services|tasks|nodes)\/([A-Za-z0-9._-]{1,128})$/.exec(hash);
  if (m === null) return { page: 'overview' };
  const page = m[1] === 'services' ? 'service' : m[1] === 'tasks' ? 'task' : 'node';
  return { page, id: m[2] ?? '' };
}

function SignIn(props: { onSignedIn(api: Api, who: TokenInfo): void; note: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(props.note);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const value = token.trim();
    if (!TOKEN_PATTERN.test(value)) {
      setError('That is not an API token: one looks like psdn_<id>_<secret> (poseidon token create).');
      return;
    }
    setBusy(true);
    const api = new Api(value);
    try {
      const who = await api.get('/whoami', tokenInfo);
      sessionStorage.setItem(TOKEN_KEY, value);
      props.onSignedIn(api, who);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="sign-in">
    <h1>Poseidon</h1>
    <form onSubmit=${(e: Event) => void submit(e)}>
      <label for="token">API token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="off"
        required
        value=${token}
        aria-describedby="token-help"
        onInput=${(e: Event) => setToken((e.currentTarget as HTMLInputElement).value)}
      />
      <p id="token-help" class="hint">
        A token from <code>poseidon token create --scope read|deploy|admin</code>; what its scope does not allow is not
        offered.
      </p>
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
      ${error === '' ? null : html`<p class="outcome error" role="alert">${error}</p>`}
    </form>
  </main>`;
}

/**
 * The address's hash, kept current. Listened for in a layout effect, in the same task as the first
 * render: a link followed, or an address typed, right after the console appears (before a plain
 * effect would run) is not missed; and read again once listening, for one that came in between.
 */
function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useLayoutEffect(() => {
    const onHash = (): void => setHash(location.hash);
    addEventListener('hashchange', onHash);
    onHash();
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return hash;
}

/**
 * The skip link moves the focus to the content, and leaves the address as it is: followed as a link,
 * `#main` would be an address of its own, which the console reads as the overview's.
 */
function skipToMain(e: Event): void {
  e.preventDefault();
  document.getElementById('main')?.focus();
}

/** Renders on every store change; marks how long each change took to reach the page. */
function Console(props: { api: Api; who: TokenInfo; onSignOut(): void }) {
  const store = useMemo(() => new ClusterStore(props.api), [props.api]);
  const [, rerender] = useReducer((n: number, _: null) => n + 1, 0);
  const hash = useHash();
  useTopOnFollow(hash);
  useEffect(() => {
    const off = store.subscribe(() => rerender(null));
    void store.start();
    return () => {
      off();
      store.stop();
    };
  }, [store]);
  useLayoutEffect(() => {
    // the page is up to date with what arrived: measured from the event to this commit (bench/console.ts)
    if (!store.loaded) return;
    if (performance.getEntriesByName('console:first-render').length === 0)
      performance.measure('console:first-render', { start: 0, end: performance.now() });
    if (store.pendingSince !== null) {
      performance.measure('console:update', { start: store.pendingSince, end: performance.now() });
      store.pendingSince = null;
    }
  });
  const r = route(hash);
  const { scope } = props.who;
  let page;
  if (r.page === 'service') page = html`<${ServicePage} api=${props.api} store=${store} name=${r.id} scope=${scope} />`;
  else if (r.page === 'task') page = html`<${TaskPage} api=${props.api} store=${store} id=${r.id} scope=${scope} />`;
  else if (r.page === 'node') page = html`<${NodePage} api=${props.api} store=${store} id=${r.id} scope=${scope} />`;
  else
    page = html`<h1 class="visually-hidden">Cluster overview</h1>
      <${Overview} store=${store} hash=${hash} />`;
  const stream = store.stream;
  return html`<div>
    <a class="skip" href="#main" onClick=${skipToMain}>Skip to content</a>
    <header>
      <nav aria-label="Main"><a href="#/" class="brand">Poseidon</a></nav>
      <p class=${`stream stream-${stream.state}`} role="status">
        Live updates: ${stream.state}${stream.detail === '' ? '' : ` (${stream.detail})`}
      </p>
      <p class="who">Token ${props.who.name === '' ? props.who.id : props.who.name} (scope ${scope})</p>
      <button type="button" onClick=${props.onSignOut}>Sign out</button>
    </header>
    ${
      store.lostSince === null
        ? null
        : html`<p class="outcome error lost" role="alert">
            ${'Lost the manager '}<${Ago}
              at=${store.lostSince}
            />${': what this page shows is as of then. It reconnects on its own.'}
          </p>`
    }
    ${store.error === '' ? null : html`<p class="outcome error" role="alert">${store.error}</p>`}
    <${LostSince.Provider} value=${store.lostSince}>
      <main id="main" tabindex="-1" class=${store.lostSince === null ? '' : 'lost'}>${page}</main>
    </${LostSince.Provider}>
  </div>`;
}

export function App() {
  const [session, setSession] = useState<{ api: Api; who: TokenInfo } | null>(null);
  const [note, setNote] = useState('');
  const [checking, setChecking] = useState(true);
  useEffect(() => {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved === null || !TOKEN_PATTERN.test(saved)) {
      setChecking(false);
      return;
    }
    const api = new Api(saved);
    api.get('/whoami', tokenInfo).then(
      (who) => (setSession({ api, who }), setChecking(false)),
      (err: unknown) => {
        sessionStorage.removeItem(TOKEN_KEY);
        setNote(
          err instanceof ApiError && err.status === TOKEN_REFUSED
            ? refusedNote(err.message)
            : `Signed out: ${errorText(err)}`,
        );
        setChecking(false);
      },
    );
  }, []);
  // a token revoked or expired while the page is open: any answer that refuses it signs out, saying so once
  useEffect(() => {
    if (session === null) return;
    return session.api.onTokenRefused((err) => {
      sessionStorage.removeItem(TOKEN_KEY);
      setNote(refusedNote(err.message));
      setSession(null);
    });
  }, [session]);
  if (checking) return html`<main id="main"><p>Loading…</p></main>`;
  if (session === null)
    return html`<${SignIn} note=${note} onSignedIn=${(api: Api, who: TokenInfo) => setSession({ api, who })} />`;
  return html`<${Console}
    api=${session.api}
    who=${session.who}
    onSignOut=${() => {
      sessionStorage.removeItem(TOKEN_KEY);
      setSession(null);
    }}
  />`;
}
