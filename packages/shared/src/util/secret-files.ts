import { randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files that hold secrets: 0600, created exclusively (never through a link an
 * attacker placed) under RUNNER_TEMP, which the runner wipes after the job,
 * and removed by their owner as soon as they are no longer needed.
 */
export class SecretFiles {
  readonly #dir: string;
  readonly #paths: string[] = [];

  constructor(dir: string) {
    this.#dir = dir;
  }

  async write(prefix: string, suffix: string, content: string): Promise<string> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.#dir, `${prefix}-${randomBytes(8).toString('hex')}${suffix}`);
    const handle = await open(file, 'wx', 0o600);
    this.#paths.push(file);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return file;
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.#paths.map((file) => rm(file, { force: true })));
  }
}
