import { Type, type Static } from '@sinclair/typebox';
import { FILE_NAME_PATTERN, FILE_NAME_RULE, MAX_FILE_BYTES } from '../task/index.js';

// Secrets and configs: named values the manager keeps, which a task mounts as files
// (`/run/secrets/<name>` and `/<name>` by default). A secret's value is sealed in the store and
// never shown again once created; a config's is plain and shown by `GET /configs/{name}`. Neither
// changes once created (a new value is a new name, as in Swarm), so a task restarted anywhere
// sees the bytes it started with.

/** `GET`/`DELETE /secrets/{name}`, `/configs/{name}`. */
export const FileParams = Type.Object(
  { name: Type.String({ pattern: FILE_NAME_PATTERN, maxLength: 128 }) },
  { additionalProperties: false },
);

/** The value as base64: at most MAX_FILE_BYTES once decoded (4 characters for every 3 bytes). */
const Base64Value = Type.String({
  pattern: '^[A-Za-z0-9+/]*={0,2}$',
  maxLength: Math.ceil(MAX_FILE_BYTES / 3) * 4,
  description: `The value, base64; at most ${MAX_FILE_BYTES} bytes once decoded.`,
});

const FileLabels = Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 4096 }), {
  maxProperties: 64,
});

/**
 * `POST /secrets`, `POST /configs`. Creating the same name with the same value again answers the
 * one there (200); another value is refused (409 file_exists): values never change.
 */
export const CreateFileRequest = Type.Object(
  {
    name: Type.String({ pattern: FILE_NAME_PATTERN, maxLength: 128, hint: FILE_NAME_RULE }),
    data: Base64Value,
    labels: Type.Optional(FileLabels),
  },
  { additionalProperties: false },
);
export type CreateFileRequest = Static<typeof CreateFileRequest>;

/** A secret or config as the API shows it: never a secret's value. */
export const FileView = Type.Object({
  name: Type.String(),
  kind: Type.Union([Type.Literal('secret'), Type.Literal('config')]),
  size: Type.Integer({ description: 'Bytes of the value.' }),
  labels: Type.Record(Type.String(), Type.String()),
  createdAt: Type.String(),
  inUseBy: Type.Array(Type.String(), {
    description: 'Unfinished tasks and services that mount it; it cannot be removed while any does.',
  }),
  data: Type.Optional(Type.String({ description: "A config's value, base64 (`GET /configs/{name}` only)." })),
});
export type FileView = Static<typeof FileView>;

/** A secret or config a task mounts, as its view shows it: where, owned by whom, with which mode. */
export const MountedFileView = Type.Object({
  kind: Type.Union([Type.Literal('secret'), Type.Literal('config')]),
  source: Type.String({ description: 'The name of the secret or config.' }),
  target: Type.String({ description: 'The absolute path of the file in the container.' }),
  uid: Type.Integer(),
  gid: Type.Integer(),
  mode: Type.Integer({ description: 'Permission bits (292 is 0444).' }),
});
export type MountedFileView = Static<typeof MountedFileView>;

/** `POST /nodes/{id}/task-files`: a worker asks for the values of what a task it runs mounts. */
export const TaskFilesRequest = Type.Object(
  {
    taskId: Type.String({ minLength: 1, maxLength: 64 }),
    generation: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type TaskFilesRequest = Static<typeof TaskFilesRequest>;

/** The values, by kind and name; only for a task placed on the asking node under that generation. */
export const TaskFilesReply = Type.Object({
  files: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('secret'), Type.Literal('config')]),
      name: Type.String(),
      data: Type.String({ description: 'base64' }),
    }),
  ),
});
export type TaskFilesReply = Static<typeof TaskFilesReply>;
