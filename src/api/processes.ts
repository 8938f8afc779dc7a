import { Type, type Static } from '@sinclair/typebox';

// `poseidon top TASK [ps OPTIONS]`: the processes of a task's running container, as `docker top`
// lists them (the engine runs ps on the node and keeps the container's processes).

/** `GET /tasks/{id}/top?psArgs=`: ps's options, words of letters, digits and `,=_-` only. */
export const TopQuery = Type.Object(
  {
    psArgs: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9,=_ -]{1,64}$',
        description: "Options for ps, as `docker top` takes them (`-o pid,comm`); the engine's -ef when absent.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type TopQuery = Static<typeof TopQuery>;

export const ProcessesView = Type.Object({
  titles: Type.Array(Type.String(), { description: "ps's column titles (UID, PID, PPID, C, STIME, TTY, TIME, CMD)." }),
  processes: Type.Array(Type.Array(Type.String()), { description: 'A row per process, a value per title.' }),
});
export type ProcessesView = Static<typeof ProcessesView>;
