import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding package.json, views/ and static/: one level up when run from source by tsx,
 * two when run from dist/ after a build (as in the container image).
 */
function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
