import { Type, type Static } from '@sinclair/typebox';

// `poseidon cp`: files into and out of a task's container, as `docker cp` copies them. The manager
// passes each call to the task's worker, which asks its engine: a path's stat, a tar archive of
// the path, or a tar archive to unpack at a directory.

/** The longest path a call may name (Linux's PATH_MAX). */
export const MAX_ARCHIVE_PATH_BYTES = 4096;
/**
 * The most an upload may carry (`PUT /tasks/{id}/archive`), counted as it streams: 1 GiB. Past it
 * the upload is cut off with 413, and what the engine had unpacked by then stays (as with a
 * `docker cp` interrupted).
 */
export const MAX_ARCHIVE_UPLOAD_BYTES = 1024 * 1024 * 1024;
export { TAR_MEDIA_TYPE } from './archive-media.js';

/** `?path=` of the archive routes: an absolute path in the container. */
export const ArchiveQuery = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      maxLength: MAX_ARCHIVE_PATH_BYTES,
      // absolute, and no NUL (the engine would cut the path there)
      pattern: '^/[^\\u0000]*$',
      description: "An absolute path in the task's container.",
    }),
  },
  { additionalProperties: false },
);
export type ArchiveQuery = Static<typeof ArchiveQuery>;

export const PathKind = Type.Union(
  [Type.Literal('file'), Type.Literal('directory'), Type.Literal('symlink'), Type.Literal('other')],
  { description: 'What the path is: `other` is a device, a pipe or a socket.' },
);
export type PathKind = Static<typeof PathKind>;

/** `GET /tasks/{id}/archive/stat`: what a path in the container is, without following a last symlink. */
export const PathStatView = Type.Object(
  {
    name: Type.String({ description: "The path's last part, as an archive of it names its top entry." }),
    kind: PathKind,
    size: Type.Integer({ minimum: 0 }),
    /** Permission bits only (0o755), not the kind. */
    mode: Type.Integer({ minimum: 0, maximum: 0o7777, description: 'Permission bits (0o755 is 493).' }),
    mtime: Type.String({ description: 'When it last changed (RFC 3339).' }),
    linkTarget: Type.Optional(Type.String({ description: 'What a symlink points to, as it was written.' })),
  },
  { additionalProperties: false },
);
export type PathStatView = Static<typeof PathStatView>;
