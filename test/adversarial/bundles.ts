import path from 'node:path';

// The bundles the adversarial tier runs: the repository's committed
// actions/<name>/dist by default. ADVERSARIAL_BUNDLES=<dir> runs a copy
// instead (<dir>/<name>/action.yml and dist/), e.g. a snapshot taken while
// the bundles are being rebuilt.

/** `actionDir` option of runAction for `action`. */
export function bundle(action: string): { actionDir?: string } {
  const dir = process.env.ADVERSARIAL_BUNDLES;
  return dir ? { actionDir: path.join(dir, action) } : {};
}
