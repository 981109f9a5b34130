import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { secretForms } from '@iac-actions/shared/action/mask.ts';
import { terraformForms } from '@iac-actions/shared/terraform/plan-mask.ts';
import type { ActionRun } from '../harness/run-action.ts';

// Looking for a secret where the Terraform actions' end-to-end tests must not
// find it: in every form it may take (raw, JSON and URL escaped, base64 at
// each byte alignment, as in `base64encode("user:${secret}")`), in texts and
// in every file left in a directory.

/**
 * The forms of `secret` found in `text`: empty when none is there. Besides the
 * runner's and the suite's, the ones Terraform makes: `urlencode()`'s (Go's
 * QueryEscape) and HCL string escaping.
 */
export function secretFormsIn(text: string, secret: string): string[] {
  return [...new Set([...secretForms(secret), ...terraformForms(secret)])].filter((form) => text.includes(form));
}

/** Files under `dirs` (recursively, links not followed) whose bytes hold a form of `secret`. */
export async function filesHolding(dirs: readonly string[], secret: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(file);
      else if (entry.isFile() && (await lstat(file)).size < 50_000_000) {
        if (secretFormsIn((await readFile(file)).toString('latin1'), secret).length) found.push(file);
      }
    }
  };
  for (const dir of dirs) await visit(dir);
  return found;
}

/** Everything of a run a person or a later step can read, the log and summary of main and post included. */
export function runText(run: ActionRun): string {
  return [run.visibleText(), ...run.main.annotations.map((a) => a.message)].join('\n');
}
