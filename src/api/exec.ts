import { Type, type Static } from '@sinclair/typebox';
import { InvalidField } from '../errors/index.js';
import { MAX_EXEC_INPUT_BYTES } from './exec-limits.js';

// `poseidon exec [-i] [-t] TASK CMD...`: a command run in a task's container, as `docker exec`
// runs it. The manager passes the call to the task's worker, which streams the output. With stdin
// the answer's first line names a session, and the client sends its input in order to
// `POST /tasks/{id}/exec/{session}/input` while the output streams.

/** Arguments a command may have, and the bytes of each. */
export const MAX_EXEC_ARGS = 256;
export const MAX_EXEC_ARG_BYTES = 4096;
/** The longest an exec may run before the worker stops streaming it: 24 h, the bound on every duration. */
export const MAX_EXEC_TIMEOUT_MS = 24 * 60 * 60 * 1000;
/** Variables an exec may set besides the container's (`-e`). */
export const MAX_EXEC_ENV = 64;
export { MAX_EXEC_INPUT_BYTES };

/** A terminal's size in characters, as the client's terminal has it. */
function terminalSize(description: string) {
  return Type.Object(
    {
      cols: Type.Integer({ minimum: 1, maximum: 10_000 }),
      rows: Type.Integer({ minimum: 1, maximum: 10_000 }),
    },
    { additionalProperties: false, description },
  );
}
export const TerminalSize = terminalSize("A terminal's size in characters.");
export type TerminalSize = Static<typeof TerminalSize>;

export const ExecRequest = Type.Object(
  {
    command: Type.Array(Type.String({ maxLength: MAX_EXEC_ARG_BYTES }), {
      minItems: 1,
      maxItems: MAX_EXEC_ARGS,
      description: 'The program and its arguments, run without a shell (`["sh", "-c", "..."]` for one).',
    }),
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_EXEC_TIMEOUT_MS,
        description: 'Stop streaming after this long (the command runs on to its end); 24 h when absent.',
      }),
    ),
    stdin: Type.Optional(
      Type.Boolean({
        description:
          'Keep the command\'s stdin open (`docker exec -i`): the answer\'s first line is `{"session", "taskId"}`, ' +
          'and input goes to `POST /tasks/{taskId}/exec/{session}/input`.',
      }),
    ),
    tty: Type.Optional(
      Type.Boolean({ description: 'Give the command a terminal (`docker exec -t`): its output all comes as stdout.' }),
    ),
    detach: Type.Optional(
      Type.Boolean({
        description:
          'Run the command in the background (`docker exec -d`): the answer is one line, `{"detached": true}`, once ' +
          'the engine has started it; its output and exit code are not kept. Not with `stdin`.',
      }),
    ),
    size: Type.Optional(terminalSize("The terminal's size at the start (with `tty` only).")),
    user: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.-]{1,64}(:[A-Za-z0-9_.-]{1,64})?$',
        description: 'Run as this user (`user[:group]`, names or ids), as `docker exec -u`.',
      }),
    ),
    workdir: Type.Optional(
      Type.String({
        pattern: '^/[^\\0]*$',
        maxLength: 4096,
        description: 'Run in this directory (absolute), as `docker exec -w`.',
      }),
    ),
    env: Type.Optional(
      Type.Record(Type.String({ pattern: '^[^=\\0]+$', maxLength: 1024 }), Type.String({ maxLength: 4096 }), {
        maxProperties: MAX_EXEC_ENV,
        description: "Variables besides the container's own, as `docker exec -e`.",
      }),
    ),
    encoding: Type.Optional(
      Type.Union([Type.Literal('utf8'), Type.Literal('base64')], {
        description:
          'How output lines carry the bytes: `utf8` text (the default; bytes that are not UTF-8 become U+FFFD) ' +
          'or `base64`, byte for byte.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExecRequest = Static<typeof ExecRequest>;
export type ExecEncoding = NonNullable<ExecRequest['encoding']>;

/** What the schema cannot say: a terminal's size needs a terminal. Refused naming the field. */
export function checkExecRequest(req: ExecRequest): void {
  if (req.size !== undefined && req.tty !== true) throw new InvalidField('size', 'is for a terminal; ask for tty too');
  // a command in the background has no one to read what is typed for it
  if (req.detach === true && req.stdin === true)
    throw new InvalidField('detach', 'runs the command in the background, with no input: leave out stdin');
}

/** One call's worth of an interactive exec's input: bytes for its stdin, the end of it, a new terminal size. */
export const ExecInput = Type.Object(
  {
    data: Type.Optional(
      Type.String({
        maxLength: Math.ceil(MAX_EXEC_INPUT_BYTES / 3) * 4,
        pattern: '^[A-Za-z0-9+/]*={0,2}$',
        contentEncoding: 'base64',
        description: `Bytes for the command's stdin, base64 (at most ${MAX_EXEC_INPUT_BYTES / 1024} KiB a call).`,
      }),
    ),
    eof: Type.Optional(Type.Literal(true, { description: "Close the command's stdin, after `data`." })),
    size: Type.Optional(terminalSize('The terminal was resized (with `tty` only).')),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ExecInput = Static<typeof ExecInput>;

/** The session an interactive exec's input goes to. */
export const ExecSessionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  session: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
});

/**
 * One line of the answer (NDJSON): a piece of output as it comes, then one last line with the
 * exit code, or with why there is none (timed out, the engine went away). A detached exec's
 * answer is its one line `{"detached": true}`.
 */
export type ExecLine =
  | { session: string; taskId: string }
  | { detached: true }
  | { stdout: string }
  | { stderr: string }
  | { exitCode: number }
  | { error: string };

/** The answer's document (OpenAPI): NDJSON, one ExecLine a line. */
export const execResponse = {
  200: {
    description:
      'One JSON object a line as the command prints: `{"stdout": text}` or `{"stderr": text}`; then ' +
      '`{"exitCode": n}`, or `{"error": why}` when there is none. With `detach`, `{"detached": true}` alone.',
    content: {
      'application/x-ndjson': {
        schema: Type.Union([
          Type.Object({ session: Type.String(), taskId: Type.String() }),
          Type.Object({ detached: Type.Literal(true) }),
          Type.Object({ stdout: Type.String() }),
          Type.Object({ stderr: Type.String() }),
          Type.Object({ exitCode: Type.Integer() }),
          Type.Object({ error: Type.String() }),
        ]),
      },
    },
  },
};
