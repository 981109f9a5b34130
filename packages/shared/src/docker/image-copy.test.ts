import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandRunner } from '../util/command.ts';
import { createImageCopier } from './image-copy.ts';

// skopeo's command lines, with a scripted skopeo; the real one copies between
// real registries in test/e2e/docker-publish.test.ts.

const DIGEST = `sha256:${'ab'.repeat(32)}`;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'image-copy-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('createImageCopier', () => {
  it('copies every platform with digests kept, reading the logins from the run’s docker config.json', async () => {
    const calls: string[][] = [];
    const exec: CommandRunner = async (_command, args) => {
      calls.push([...args]);
      await writeFile(args[args.indexOf('--digestfile') + 1]!, `${DIGEST}\n`);
      return { exitCode: 0, stdout: 'Writing manifest to image destination\n', stderr: '' };
    };
    const copier = createImageCopier({ configDir: path.join(dir, 'cfg'), exec });
    const digestFile = path.join(dir, 'digest');

    const digest = await copier.copy('127.0.0.1:5000/app@' + DIGEST, 'ghcr.io/org/app:1.0', {
      sourceInsecure: true,
      destinationInsecure: false,
      digestFile,
    });

    expect(digest).toBe(DIGEST);
    expect(calls).toEqual([
      [
        'copy',
        '--all',
        '--preserve-digests',
        '--authfile',
        path.join(dir, 'cfg', 'config.json'),
        '--digestfile',
        digestFile,
        '--src-tls-verify=false',
        `docker://127.0.0.1:5000/app@${DIGEST}`,
        'docker://ghcr.io/org/app:1.0',
      ],
    ]);
  });

  it('fails with one line naming the package when skopeo is not installed', async () => {
    const exec: CommandRunner = () => Promise.reject(new Error('spawn skopeo ENOENT'));
    const copier = createImageCopier({ configDir: dir, exec });
    await expect(copier.check()).rejects.toMatchObject({
      reason: 'skopeo-unavailable',
      message: expect.stringMatching(
        /^source-image copies with skopeo, which is not installed on this runner: install the package 'skopeo'/,
      ),
    });
    await expect(copier.check()).rejects.toSatisfy((error: Error) => !error.message.includes('\n'));
  });

  it('reads the digest of the manifest (or list) a tag holds, and undefined for a missing tag', async () => {
    const manifest = '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json"}';
    const exec: CommandRunner = async (_command, args) =>
      args.at(-1)!.endsWith(':1')
        ? { exitCode: 0, stdout: manifest, stderr: '' }
        : { exitCode: 1, stdout: '', stderr: 'Error reading manifest 2 in r/app: manifest unknown: manifest unknown' };
    const copier = createImageCopier({ configDir: dir, exec });
    expect(await copier.digest('r.example/app:1', false)).toBe(
      `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    );
    expect(await copier.digest('r.example/app:2', false)).toBeUndefined();
  });
});
