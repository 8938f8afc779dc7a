import { Type, type Static } from '@sinclair/typebox';

/** `/tasks/{id}/…` on the manager and on a worker: a task's id, name or unique id prefix. */
export const TaskParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type TaskParams = Static<typeof TaskParams>;
