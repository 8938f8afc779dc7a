import type { ManagerTaskView } from '../api/index.js';
import type { ErrorCode } from '../errors/index.js';

// A task whose image its node cannot have (not there, and its pull failed, or it never pulls)
// fails the same way at each restart until someone acts: a wait says so at once, with what to do,
// rather than show restart after restart until its timeout. Its worker says so by the error code
// it keeps with the exit (lastExit.errorCode), never by words a wait would have to read.

const IMAGE_UNAVAILABLE: ErrorCode = 'image_unavailable';

/** Whether the copy that ended last could not start because its node cannot have its image. */
export function isImageUnavailable(t: Pick<ManagerTaskView, 'lastExit'>): boolean {
  return t.lastExit?.errorCode === IMAGE_UNAVAILABLE;
}

/** What to do about it: check the name, build or load the image on that node, or its registry. */
export function imageHint(t: Pick<ManagerTaskView, 'image' | 'node'>): string {
  const node = t.node ?? 'its node';
  return (
    `check the image name ${t.image}, build or load it on ${node} (docker build or docker load there), ` +
    `or check that ${node} reaches its registry`
  );
}
