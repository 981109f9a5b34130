import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Real OpenTofu outputs (see their README) live in `shared/fixtures` beside
// the repository's checkout, in a developer's tree and in CI alike. A missing
// folder fails the tests that need it, loudly, rather than skipping them.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OPENTOFU_FIXTURES = path.resolve(repoRoot, '../shared/fixtures/opentofu');

if (!existsSync(OPENTOFU_FIXTURES)) {
  throw new Error(`The OpenTofu fixtures are missing: expected ${OPENTOFU_FIXTURES} (shared/ beside the checkout).`);
}
