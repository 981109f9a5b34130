import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpApp, type HttpApp } from '../services/http-app.ts';
import { installTerraformDouble, readDoubleCalls, scenarioDir } from '../terraform-double/index.ts';
import { REPO_ROOT } from './run-action.ts';

// `npm run action` (scripts/run-action.ts) run as a person runs it: a child
// process of its own, its output read as printed, its exit code as the shell
// sees it. Each run is in a process group of its own, killed when it ends,
// so that nothing it started outlives the test.

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'run-action.ts');

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCommand(
  args: string[],
  options: { cwd?: string; onStdout?: (stdoutSoFar: string) => void; timeoutMs?: number } = {},
): Promise<CommandResult> {
  // As from a shell: no npm in between (INIT_CWD unset), the current directory is the user's.
  const env = { ...process.env };
  delete env.INIT_CWD;
  const child = spawn(process.execPath, [SCRIPT, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone
    }
  };
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    options.onStdout?.(stdout);
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(killGroup, options.timeoutMs ?? 120_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup();
      resolve({ code, stdout, stderr });
    });
  });
}

/** The directory the command saved the summary and what was posted in; removed by the caller. */
function savedDir(stdout: string): string {
  const dir = /^saved in (\S+): /m.exec(stdout)?.[1];
  if (!dir) throw new Error(`the command printed no 'saved in' line:\n${stdout}`);
  return dir;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'local-run-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('npm run action', () => {
  describe('smoke-test against a loopback server', () => {
    let app: HttpApp;
    let releaseProbe: () => void = () => {};
    const streamed = new Promise<void>((resolve) => (releaseProbe = resolve));
    beforeAll(async () => {
      // The probe is answered only once the command has shown the step's
      // first lines: the log is streamed while the step runs, not at its end.
      app = await startHttpApp({
        '/health': async (_req, res) => {
          await streamed;
          res.writeHead(200).end('OK healthy');
        },
      });
    });
    afterAll(async () => {
      releaseProbe();
      await app.close();
    });

    it('streams the log, prints the outputs and the summary file, and exits with the step’s code', async () => {
      const cwd = await mkdtemp(path.join(scratch, 'checkout-'));
      const url = `${app.url}/health`;
      const result = await runCommand(
        ['smoke-test', '--input', `urls=${url}`, '--input', 'max-attempts=1', '--input', 'timeout=30s'],
        { cwd, onStdout: (text) => text.includes('▸ Probing 1 URL') && releaseProbe() },
      );
      const saved = savedDir(result.stdout);
      try {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const out = result.stdout;
        expect(out).toContain(`  workspace              ${cwd}\n`);
        expect(out).toContain('  event                  push: @octokit/webhooks-examples: push\n');
        expect(out).toMatch(/\n▶ Run smoke-test\n▸ Probing 1 URL\n/);
        expect(out).toContain(`GET ${url}: healthy (status 200`);
        expect(out).toMatch(/\n== smoke-test: succeeded \(\d+\.\d s\)\noutputs:\n {2}passed: true\n/);
        expect(out).toContain(`  results: [{"url":"${url}","ok":true,"status":200,"attempts":1,`);
        expect(out).toContain('GitHub API fake: nothing posted\n');
        const summaryPath = /^job summary: (\S+)$/m.exec(out)?.[1];
        expect(summaryPath).toBe(path.join(saved, 'summary.md'));
        expect(await readFile(summaryPath!, 'utf8')).toMatch(/Smoke test passed: 1 of 1 URL healthy/);
        expect(JSON.parse(await readFile(path.join(saved, 'outputs.json'), 'utf8'))).toMatchObject({ passed: 'true' });
      } finally {
        await rm(saved, { recursive: true, force: true });
      }
    });

    it('exits with the step’s failing code', async () => {
      const result = await runCommand([
        'smoke-test',
        '--input',
        `urls=${app.url}/missing`,
        '--input',
        'max-attempts=1',
      ]);
      await rm(savedDir(result.stdout), { recursive: true, force: true });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/\n== smoke-test: failed with exit code 1 /);
      expect(result.stdout).toContain('  failure-reason: probes-failed\n');
    });
  });

  it('plans a pull request with the Terraform CLI double: the comment posted to the fake and printed, the outputs, exit 0', async () => {
    const bin = await mkdtemp(path.join(scratch, 'bin-'));
    const doubleEnv = await installTerraformDouble(bin, { scenario: 'basic_list_update' });
    const checkout = await mkdtemp(path.join(scratch, 'checkout-'));
    await mkdir(path.join(checkout, 'infra'));
    await cp(path.join(scenarioDir('basic_list_update'), 'main.tf'), path.join(checkout, 'infra', 'main.tf'));

    const result = await runCommand([
      'tf-plan',
      '--event',
      'pull_request',
      '--workspace',
      checkout,
      '--input',
      'working-directory=infra',
      '--input',
      'version=1.9.8',
      // The double first on PATH, and its knobs, as a user passes what their step needs.
      ...Object.entries(doubleEnv).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    ]);
    const saved = savedDir(result.stdout);
    try {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const out = result.stdout;
      expect(out).toContain(
        '  event                  pull_request: @octokit/webhooks-examples: pull_request (opened)\n',
      );
      expect(out).toMatch(
        /GitHub API fake +http:\/\/127\.0\.0\.1:\d+ \(repository Codertocat\/Hello-World; pull request #2 changes @ ec26c3e\)/,
      );
      // The step's log, streamed, then its post step.
      expect(out).toContain('  # tfcoremock_list.list will be updated in-place\n');
      expect(out).toContain('Artifact tfplan-infra-');
      expect(out).toMatch(/\n== tf-plan: succeeded, post succeeded \(/);
      // The outputs.
      expect(out).toContain('\n  changes: true\n  to-add: 0\n  to-change: 1\n  to-destroy: 0\n');
      expect(out).toContain('\n  exitcode: 2\n');
      const commentUrl = /^ {2}comment-url: (\S+)$/m.exec(out)?.[1];
      expect(commentUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/Codertocat\/Hello-World\/pull\/2#issuecomment-\d+$/);
      // What was posted to the fake, printed.
      expect(out).toContain(
        'GitHub API fake: 1 write(s)\n  POST /repos/Codertocat/Hello-World/issues/2/comments → 201\n',
      );
      expect(out).toContain(`comment on #2: ${commentUrl}\n`);
      expect(out).toContain('  │ ### Terraform plan for `infra` · workspace `default`\n');
      expect(out).toContain('  │ **Plan: 0 to add, 1 to change, 0 to destroy.**\n');
      expect(out).toMatch(/artifacts uploaded to the artifact service fake:\n {2}tfplan-infra-\S+ \(\d+ bytes\)\n/);
      const comment = await readFile(path.join(saved, 'comment-2-1.md'), 'utf8');
      expect(comment).toMatch(/^<!-- iac-actions:tf-plan \{"workingDirectory":"infra",/);
      expect(await readFile(path.join(saved, 'summary.md'), 'utf8')).toContain('tfcoremock_list.list');
      expect((await readdir(saved)).sort()).toEqual(['comment-2-1.md', 'outputs.json', 'summary.md']);
      const calls = await readDoubleCalls(doubleEnv);
      expect(calls.find((c) => c.argv[0] === 'plan')?.cwd).toBe(path.join(checkout, 'infra'));
    } finally {
      await rm(saved, { recursive: true, force: true });
    }
  });

  it('rejects an input action.yml does not declare: one line, exit 2, nothing run', async () => {
    const result = await runCommand(['tf-plan', '--input', 'nope=1']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /^run-action: tf-plan has no input 'nope'; its inputs: tool, version, mirror-url, .*github-token$/,
      ),
      '',
    ]);
  });

  it('prints its usage on --help and exits 0', async () => {
    const result = await runCommand(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Runs one action's committed bundle/);
    expect(result.stdout).toContain(
      'ansible-deploy, docker-publish, drift-detect, smoke-test, tf-apply, tf-outputs, tf-plan',
    );
  });
});
