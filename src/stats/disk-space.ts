import { statfs } from 'node:fs/promises';

/** Size of the filesystem holding `path`, in bytes. */
export interface DiskSpace {
  path: string;
  totalBytes: number;
  /** Free to an unprivileged user (bavail), so blocks reserved for root do not count. */
  freeBytes: number;
}

/** Reads the size and free space of the filesystem holding `path`; the error names the path. */
export async function readDiskSpace(path: string): Promise<DiskSpace> {
  const fs = await statfs(path); // Node's error already says "statfs '<path>'"
  return { path, totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
}
