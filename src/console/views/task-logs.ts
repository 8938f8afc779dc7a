import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Api } from '../api.js';
import type { TaskView } from '../decode.js';
import {
  addPart,
  addRestartNote,
  addResumeNote,
  LOGS_ACCEPT,
  LogReader,
  logsPath,
  type LogPart,
} from '../log-parts.js';
import { LogResume } from '../log-resume.js';
import { endedForGood, logStateText, type LogPhase } from '../log-state.js';
import { Ago } from './ago.js';
import { errorText } from './parts.js';

/** Log text kept on the page; older output is dropped from the top. */
const MAX_LOG_CHARS = 200_000;
/** How long after a stream ends the page looks whether its container still runs (the task's events come meanwhile). */
const LOOK_AGAIN_MS = 1_000;

/** A stream that ended this way may be asked for again: the manager was away, or answered it could not serve now. */
function cutOff(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof ApiError && err.status >= 502);
}

/**
 * The task's output, followed: its container's, then each new container's after a restart (the
 * page hears of it as the task's container changes), with a line between them. A stream that ends
 * while its container still runs (the manager restarted, the network broke) is asked for again,
 * from the last line shown, none shown twice (log-resume.ts), with a line saying so; while the
 * manager does not answer, once a second. A task that ended for good (log-state.ts) has its last
 * lines read once, not followed, and the pane says it ended and when.
 */
export function Logs(props: { api: Api; task: TaskView }) {
  const { id, containerId, restarts } = props.task;
  const [parts, setParts] = useState<LogPart[]>([]);
  const [phase, setPhase] = useState<LogPhase>({ kind: 'following' });
  const followed = useRef<string | null>(null);
  const task = useRef(props.task);
  task.current = props.task;
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    followed.current = null;
    setParts([]);
  }, [id]);
  useEffect(() => {
    if (containerId === null) {
      // none yet; or the one followed is gone (its node went Down, and the task waits to be placed again)
      setPhase({ kind: followed.current === null ? 'waiting' : 'stopped' });
      return;
    }
    // what there is of a container that stopped for good is read once: nothing more will come
    const once = endedForGood(task.current);
    const first = followed.current === null;
    followed.current = containerId;
    if (!first) setParts((p) => addRestartNote(p, restarts, MAX_LOG_CHARS));
    const abort = new AbortController();
    /** What was shown of this container, by the engine's time: what a stream asked for again leaves out. */
    const resume = new LogResume();
    /** One stream, read to its end; a cut one asked for again, its note before the first line it brings anew. */
    const read = async (again: boolean, opened: () => void): Promise<void> => {
      const lastShown = resume.lastShown;
      if (again) resume.again();
      const path = logsPath(id, first, again ? resume.sinceS() : undefined, !once);
      const { reader, type } = await props.api.typedStream(path, abort.signal, LOGS_ACCEPT);
      opened();
      const decoder = new TextDecoder();
      const lines = LogReader.forType(type);
      let noted = !again;
      if (!once) setPhase({ kind: 'following' });
      for (;;) {
        const { done, value } = await reader.read();
        const pieces = (done ? lines.end() : lines.pieces(decoder.decode(value, { stream: true })))
          .map((piece) => resume.take(piece))
          .filter((piece) => piece !== undefined);
        if (pieces.length > 0) {
          const note = !noted;
          noted = true;
          setParts((p) =>
            pieces.reduce(
              (all, x) => addPart(all, x.stream, x.text, MAX_LOG_CHARS),
              note ? addResumeNote(p, lastShown, MAX_LOG_CHARS) : p,
            ),
          );
        }
        if (done) return;
      }
    };
    const follow = async (): Promise<void> => {
      /** A stream opened before: the next is asked for again from the last line shown. */
      let again = false;
      for (;;) {
        let opened = false;
        try {
          await read(again, () => void (opened = true));
        } catch (err) {
          if (abort.signal.aborted) return;
          if (!cutOff(err)) {
            setPhase({ kind: 'refused', detail: errorText(err) });
            return;
          }
          // the manager's words when it answered (its worker out of reach), none when it did not
          setPhase({ kind: 'reconnecting', detail: err instanceof ApiError ? err.message : '' });
        }
        if (once && opened) {
          setPhase({ kind: 'stopped' });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, LOOK_AGAIN_MS));
        if (abort.signal.aborted) return;
        const now = task.current;
        if (now.containerId !== containerId || now.state !== 'Running') {
          setPhase({ kind: 'stopped' });
          return;
        }
        if (opened) again = true;
      }
    };
    void follow();
    return () => abort.abort();
  }, [id, containerId]);
  useEffect(() => {
    const el = pre.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, [parts]);
  // the container's stderr marked, as a terminal would not show it: its own colour
  // a task that ended (or waits to restart) without ever having had a container has no output to wait for
  const never =
    containerId === null && parts.length === 0 && (props.task.state === 'Failed' || props.task.state === 'Completed');
  // one restarted had containers before: its last try got none (their output went with them)
  const none = props.task.restarts > 0 ? 'its last try got no container' : 'it never had a container';
  const said = never
    ? { before: `none: ${none} (its reason says why)`, at: null, after: '' }
    : logStateText(
        phase,
        props.task,
        parts.some((p) => p.stream !== 'note'),
      );
  const shown = parts.map((p) => (p.stream === 'stdout' ? p.text : html`<span class=${p.stream}>${p.text}</span>`));
  return html`<div>
    <p class="log-state" role="status">
      Logs: ${said.before}${said.at === null ? null : html` <${Ago} at=${said.at} />`}${said.after}
    </p>
    <pre class="logs" ref=${pre} tabindex="0" role="region" aria-label="Task output">${shown}</pre>
  </div>`;
}
