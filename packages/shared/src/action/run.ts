import * as core from './runner-commands.ts';
import { ActionError } from './action-error.ts';
import { redact } from './mask.ts';
import { appendSummary } from './summary.ts';

export interface ActionEntry {
  /** The action's name, for the job summary of a failure. */
  name: string;
  main: () => Promise<void>;
  /** Cleanup after the job; runs even when main failed. */
  post?: () => Promise<void>;
}

// The runner runs the same bundle for `main` and `post`; a state saved by main
// tells them apart, as actions/checkout does.
const POST_STATE = 'isPost';

/**
 * Runs an action's main or post step and turns an ActionError into a failed
 * step with one clear line, a `failure-reason` output and a job summary.
 * Other errors are bugs and keep their stack trace.
 */
export async function run(entry: ActionEntry): Promise<void> {
  const isPost = core.getState(POST_STATE) === 'true';
  try {
    if (isPost) {
      await entry.post?.();
    } else {
      core.saveState(POST_STATE, 'true');
      await entry.main();
    }
  } catch (error) {
    await reportFailure(entry.name, isPost, error);
  }
}

async function reportFailure(name: string, isPost: boolean, error: unknown): Promise<void> {
  const step = isPost ? `${name} (cleanup)` : name;
  if (error instanceof ActionError) {
    // A message may quote a tool's output, which quotes values: the runner
    // masks the log, not the summary, and not every encoding.
    const message = redact(error.message);
    if (!isPost) core.setOutput('failure-reason', error.reason);
    core.setFailed(message);
    // A multi-line message (a tool's error output) goes in a block of its own.
    const [first, ...rest] = message.split('\n');
    const detail = rest.join('\n').trim() ? `\n\n\`\`\`\n${rest.join('\n').trim()}\n\`\`\`` : '';
    await appendSummary(`**❌ ${step} failed:** ${first} (\`${error.reason}\`)${detail}\n`);
    return;
  }
  const text = redact(error instanceof Error ? (error.stack ?? error.message) : String(error));
  if (!isPost) core.setOutput('failure-reason', 'internal-error');
  core.setFailed(`${step} hit an unexpected error; please report it.\n${text}`);
  await appendSummary(`### ❌ ${step} hit an unexpected error\n\n\`\`\`\n${text}\n\`\`\`\n`);
}
