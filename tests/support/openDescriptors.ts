import { readdirSync, readlinkSync } from 'node:fs';

/**
 * How many descriptors this process holds open on `file` (Linux's /proc). A stream left open when its
 * reader gave up keeps one until the garbage collector closes it (a FileHandle, with Node's DEP0137
 * warning) or for good (a plain fs stream).
 */
export function descriptorsOn(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      // Closed between the listing and the look (the listing's own descriptor among them).
      return false;
    }
  }).length;
}
