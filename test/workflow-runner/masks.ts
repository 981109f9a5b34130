import { RunnerLog } from '../harness/runner-log.ts';

// The values a job's log hides: the secrets the job can use and its token
// from the start ("GitHub automatically redacts secrets printed to the
// log"), then every `::add-mask::` value for the rest of the job. Masking is
// the harness's replay of the runner's (test/harness/runner-log.ts), with the
// runner's encodings of each value.

export class JobMasks {
  private readonly values: string[] = [];
  private masker = new RunnerLog([]);

  /** Registers a value, and each line of a multi-line one, as the runner does for secrets. */
  add(value: string): void {
    const candidates = [value, ...value.split(/\r?\n/)].filter((v) => v.trim() !== '' && !this.values.includes(v));
    if (candidates.length === 0) return;
    this.values.push(...new Set(candidates));
    this.masker = new RunnerLog(this.values);
  }

  mask(text: string): string {
    return this.masker.mask(text);
  }

  /** Whether a text shows a registered value (the runner then does not pass a job output on). */
  reveals(text: string): boolean {
    return this.mask(text) !== text;
  }

  /** A log for one step, masking what the job registered so far and what the step registers. */
  stepLog(onLine?: (line: string) => void): RunnerLog {
    return new RunnerLog(this.values, onLine);
  }

  list(): readonly string[] {
    return this.values;
  }
}
