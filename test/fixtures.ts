import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Real OpenTofu outputs (see test/opentofu-fixtures/README.md), copied into
// the repository so that a fresh clone runs every test. A missing folder fails
// the tests that need it, loudly, rather than skipping them.
export const OPENTOFU_FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'opentofu-fixtures/opentofu');

if (!existsSync(OPENTOFU_FIXTURES)) {
  throw new Error(
    `The OpenTofu fixtures are missing: expected ${OPENTOFU_FIXTURES} (test/opentofu-fixtures/opentofu).`,
  );
}
