import { Type, type Static } from '@sinclair/typebox';

// `poseidon exec TASK -- CMD...`: a command run in a task's container, as `docker exec` without -i
// and -t runs it. The manager passes the call to the task's worker, which streams the output.

/** Arguments a command may have, and the bytes of each. */
export const MAX_EXEC_ARGS = 256;
export const MAX_EXEC_ARG_BYTES = 4096;
/** The longest an exec may run before the worker stops streaming it: 24 h, the bound on every duration. */
export const MAX_EXEC_TIMEOUT_MS = 24 * 60 * 60 * 1000;

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
  },
  { additionalProperties: false },
);
export type ExecRequest = Static<typeof ExecRequest>;

/**
 * One line of the answer (NDJSON): a piece of output as it comes, then one last line with the
 * exit code, or with why there is none (timed out, the engine went away).
 */
export type ExecLine = { stdout: string } | { stderr: string } | { exitCode: number } | { error: string };

/** The answer's document (OpenAPI): NDJSON, one ExecLine a line. */
export const execResponse = {
  200: {
    description:
      'One JSON object a line as the command prints: `{"stdout": text}` or `{"stderr": text}`; then ' +
      '`{"exitCode": n}`, or `{"error": why}` when there is none.',
    content: {
      'application/x-ndjson': {
        schema: Type.Union([
          Type.Object({ stdout: Type.String() }),
          Type.Object({ stderr: Type.String() }),
          Type.Object({ exitCode: Type.Integer() }),
          Type.Object({ error: Type.String() }),
        ]),
      },
    },
  },
};
