import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { createDockerConfig } from './docker-config.ts';

let temp: string;
let userDir: string;
beforeEach(async () => {
  temp = await mkdtemp(path.join(tmpdir(), 'docker-config-'));
  userDir = path.join(temp, 'home', '.docker');
  await mkdir(path.join(userDir, 'cli-plugins'), { recursive: true });
});
afterEach(() => rm(temp, { recursive: true, force: true }));

describe('createDockerConfig', () => {
  it('copies the user config without the stores that would receive our passwords, and leaves the original alone', async () => {
    const original = JSON.stringify({
      auths: { 'example.invalid': { auth: 'dXNlcjpvbGQ=' } },
      credsStore: 'secretservice',
      credHelpers: { 'ghcr.io': 'gh', 'other.example': 'other', 'index.docker.io': 'hub' },
      proxies: { default: { httpProxy: 'http://proxy:3128' } },
    });
    await writeFile(path.join(userDir, 'config.json'), original);
    const dir = await createDockerConfig(temp, userDir, ['ghcr.io', 'docker.io']);

    assert.ok(dir.startsWith(path.join(temp, 'docker-config-')));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(dir, 'config.json')).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')), {
      auths: { 'example.invalid': { auth: 'dXNlcjpvbGQ=' } },
      credHelpers: { 'other.example': 'other' },
      proxies: { default: { httpProxy: 'http://proxy:3128' } },
    });
    assert.equal(await readlink(path.join(dir, 'cli-plugins')), path.join(userDir, 'cli-plugins'));
    assert.equal(existsSync(path.join(dir, 'buildx')), false);

    await rm(dir, { recursive: true, force: true });
    assert.equal(existsSync(dir), false);
    assert.equal(await readFile(path.join(userDir, 'config.json'), 'utf8'), original);
    assert.equal(existsSync(path.join(userDir, 'cli-plugins')), true);
  });

  it('starts empty without a user config, or with one the docker CLI could not read', async () => {
    const dir = await createDockerConfig(temp, path.join(temp, 'nowhere'), []);
    assert.equal(readFileSync(path.join(dir, 'config.json'), 'utf8'), '{}');
    await writeFile(path.join(userDir, 'config.json'), '{not json');
    const again = await createDockerConfig(temp, userDir, []);
    assert.equal(readFileSync(path.join(again, 'config.json'), 'utf8'), '{}');
  });
});
