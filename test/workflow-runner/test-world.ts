import { startWorkflowRunner, pushEvent, type WorkflowRunner, type WorkflowRunnerOptions } from './index.ts';
import type { WorkflowEvent } from './events.ts';
import type { RunReport } from './report.ts';
import { createTestRepository, type TestRepository } from './test-repository.ts';

// A repository `acme/infra` with a test's workflows, and a runner for it.

export const REPOSITORY = 'acme/infra';

export interface WorkflowWorld {
  repo: TestRepository;
  runner: WorkflowRunner;
  /** Commits `files` (or nothing) on `branch` and answers the push event of that commit. */
  push(files?: Record<string, string | null>, branch?: string): Promise<WorkflowEvent>;
  /** Runs a workflow for an event; default: a push of the current main. */
  run(workflow: string, event?: WorkflowEvent): Promise<RunReport>;
  close(): Promise<void>;
}

export async function workflowWorld(
  files: Record<string, string>,
  options: Partial<WorkflowRunnerOptions> = {},
): Promise<WorkflowWorld> {
  const repo = await createTestRepository({ 'README.md': '# infra\n', ...files });
  const runner = await startWorkflowRunner({
    ...options,
    repository: REPOSITORY,
    repositories: { [REPOSITORY]: { dir: repo.dir }, ...options.repositories },
  });
  const world: WorkflowWorld = {
    repo,
    runner,
    async push(changes = {}, branch = 'main') {
      const before = await repo.head(branch).catch(() => undefined);
      const after = await repo.commit(changes, { branch });
      return pushEvent({ repository: REPOSITORY, ref: branch, after, ...(before ? { before } : {}) });
    },
    async run(workflow, event) {
      return runner.run({
        workflow,
        event: event ?? pushEvent({ repository: REPOSITORY, ref: 'main', after: await repo.head() }),
      });
    },
    async close() {
      await runner.close();
      await repo.remove();
    },
  };
  return world;
}
