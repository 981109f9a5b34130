import type { JobReport, RunReport, StepLogLine } from '../test/workflow-runner/index.ts';

// How the demo shows a workflow run as it happens: each line of a step's log
// (the runner's `onLog`: masked, as GitHub shows it) indented under a header
// that names the run, the job and the step. Jobs of one run can run side by
// side: one job's lines are printed as they come, the others' are held until
// it ends, and then printed (and followed) one job at a time.

const LOG_PREFIX = '  │ ';

export interface LiveLog {
  /** The run the next lines belong to (one run at a time), by its title (`terraform (push)`) and its workflow's `name:`. */
  startRun(title: string, workflowName: string): void;
  /** For the runner's `onLog`. */
  line(line: StepLogLine): void;
  /** The job of that key ended (the runner's `job-completed` event): the lines held for other jobs follow. */
  jobCompleted(job: string): void;
  /** The run ended: prints every line still held. */
  endRun(): void;
  /** Prints `text` outside any step (a note between runs, a run's result); the next step line gets its header again. */
  print(text: string): void;
}

export function liveLog(print: (text: string) => void): LiveLog {
  let run = { title: '', workflowName: '' };
  let lastHeader = '';
  /** The job whose lines are printed as they come. */
  let followed: string | undefined;
  /** Lines of the other jobs, by job, in the order their first line came. */
  const held = new Map<string, StepLogLine[]>();
  const ended = new Set<string>();
  const show = (line: StepLogLine) => {
    const header = stepHeader(run.title, run.workflowName, line.jobName, line.step);
    if (header !== lastHeader) {
      print(`== ${header}`);
      lastHeader = header;
    }
    print(`${LOG_PREFIX}${line.line}`);
  };
  /** Prints the held jobs one after the other, until one that still runs: it is followed. */
  const next = () => {
    followed = undefined;
    for (const [job, lines] of held) {
      held.delete(job);
      lines.forEach(show);
      if (!ended.has(job)) {
        followed = job;
        return;
      }
    }
  };
  return {
    startRun(title, workflowName) {
      run = { title, workflowName };
    },
    line(line) {
      followed ??= line.job;
      if (line.job === followed) show(line);
      else if (held.has(line.job)) held.get(line.job)!.push(line);
      else held.set(line.job, [line]);
    },
    jobCompleted(job) {
      ended.add(job);
      if (job === followed) next();
    },
    endRun() {
      for (const lines of held.values()) lines.forEach(show);
      held.clear();
      ended.clear();
      followed = undefined;
    },
    print(text) {
      lastHeader = '';
      print(text);
    },
  };
}

/**
 * `terraform (push) / apply prod infra/environments/prod / tf-apply`: the run,
 * the job as GitHub names it (without its caller's name when that only repeats
 * the workflow's), and the step by the action it runs or its name.
 */
export function stepHeader(runTitle: string, workflowName: string, jobName: string, step: string): string {
  return `${runTitle} / ${shortJobName(jobName, workflowName)} / ${stepLabel(step)}`;
}

/**
 * A step as a person looks for it: the suite's actions by their name
 * (`Run acme/iac-actions/actions/tf-apply@main` → `tf-apply`), other actions by
 * their repository, `run:` steps by their name; post steps marked so.
 */
export function stepLabel(step: string): string {
  const post = /^Post /.test(step);
  const name = step.replace(/^Post /, '');
  const uses = /^Run ([\w.-]+\/[\w.-]+)((?:\/[\w.-]+)*)@\S+$/.exec(name);
  let label = name;
  if (uses) {
    const [, repository = '', subpath = ''] = uses;
    label = /(^|\/)iac-actions$/.test(repository) && subpath ? subpath.split('/').pop()! : `${repository}${subpath}`;
  }
  if (label.length > 60) label = `${label.slice(0, 59)}…`;
  return post ? `${label} (post)` : label;
}

/** A run's jobs, one line each, after it ended: `  ✅ apply prod infra/environments/prod (environment prod, approved by alice)`. */
export function runResult(title: string, workflowName: string, report: RunReport, tookMs: number): string[] {
  const lines = [`${title}: ${report.conclusion} in ${seconds(tookMs)}`];
  if (report.errors.length) lines.push(...report.errors.map((e) => `  ${e}`));
  for (const job of report.jobs) {
    if (job.calls) continue;
    const approvals = job.approvals.map((a) => `${a.state} by ${a.by}`).join(', ');
    const environment = job.environment
      ? ` (environment ${job.environment.name}${approvals ? `, ${approvals}` : ''})`
      : '';
    const error = job.error ? `: ${job.error}` : '';
    lines.push(`  ${CONCLUSION_ICONS[job.conclusion]} ${shortJobName(job.name, workflowName)}${environment}${error}`);
  }
  return lines;
}

/** A job's name without its caller job's (`terraform / apply dev …` → `apply dev …`) when that only repeats the workflow's `name:`. */
export function shortJobName(jobName: string, workflowName: string): string {
  return workflowName && jobName.startsWith(`${workflowName} / `) ? jobName.slice(workflowName.length + 3) : jobName;
}

const CONCLUSION_ICONS: Record<JobReport['conclusion'], string> = {
  success: '✅',
  failure: '❌',
  cancelled: '🚫',
  skipped: '⏭️ ',
};

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
