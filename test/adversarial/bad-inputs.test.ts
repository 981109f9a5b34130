import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactServiceFake } from '../fakes/artifact-service.ts';
import { FAKE_GITHUB_TOKEN, startGitHubApiFake } from '../fakes/github-api.ts';
import { runAction, type ActionRun } from '../harness/run-action.ts';
import { bundle } from './bundles.ts';
import { startConnectionRecorder, startRequestRecorder, startWebhookReceiver } from './receivers.ts';
import { startRecorder } from './recorder.ts';

// A table of bad inputs across the six actions. Each case runs the committed
// bundle with one bad input over otherwise valid ones, in a sandbox of its own
// where everything the step could reach records what reached it: the GitHub
// API and artifact service fakes, a Docker engine socket, a registry port, an
// SSH port, the HTTP server probed, a webhook receiver, a release mirror, and
// wrappers on PATH for terraform, docker, ansible-playbook, ssh … (which record
// the call and run nothing). Each case must end with exit code 1, exactly one
// error line naming the input (`Input '<name>' …`), the output
// `failure-reason: invalid-input`, no stack trace, and nothing reached —
// by main, nor by post, which the runner runs after a failed main too.

const REPOSITORY = 'octo-org/infra';
const TOO_LONG_URL = `http://127.0.0.1:9/${'a'.repeat(120_000)}`;

interface Sandbox {
  workspace: string;
  registry: string;
  sshPort: number;
  appUrl: string;
  webhookUrl: string;
  mirrorUrl: string;
}

interface Case {
  action: 'tf-plan' | 'tf-apply' | 'drift-detect' | 'docker-publish' | 'ansible-deploy' | 'smoke-test';
  /** What is wrong, for the test's name. */
  what: string;
  /** The input the error must name. */
  input: string;
  inputs: (s: Sandbox) => Record<string, string>;
}

const c = (
  action: Case['action'],
  input: string,
  what: string,
  inputs: Record<string, string> | ((s: Sandbox) => Record<string, string>),
): Case => ({ action, input, what, inputs: typeof inputs === 'function' ? inputs : () => inputs });

/** Cases every Terraform action shares (paths, version, backend, variables), with the stack input's name. */
function terraformCases(action: 'tf-plan' | 'tf-apply' | 'drift-detect'): Case[] {
  const dirInput = action === 'drift-detect' ? 'working-directories' : 'working-directory';
  return [
    c(action, dirInput, 'directory ../../etc', { [dirInput]: '../../etc' }),
    c(action, dirInput, 'directory /etc', { [dirInput]: '/etc' }),
    c(action, dirInput, 'a symlink out of the repository', { [dirInput]: 'link-out' }),
    c(action, dirInput, 'a missing directory', { [dirInput]: 'no/such/stack' }),
    c(action, 'var-files', 'var-files ../../../etc/passwd', {
      'var-files': '../../../etc/passwd',
    }),
    c(action, 'var-files', 'an absolute variable file (/etc/passwd)', { 'var-files': '/etc/passwd' }),
    c(action, 'var-files', 'a variable file that is a symlink out', { 'var-files': 'leak.tfvars' }),
    c(action, 'var-files', 'a missing variable file', { 'var-files': 'missing.tfvars' }),
    c(action, 'version', 'version latest-and-greatest', { version: 'latest-and-greatest' }),
    c(action, 'backend-config', 'a backend-config key with a space', { 'backend-config': 'bucket name=state' }),
    c(action, 'backend-config', 'backend-config file /etc/passwd', { 'backend-config': '/etc/passwd' }),
    c(action, 'tool', 'an unknown tool', { tool: 'terragrunt' }),
    c(action, 'lock-timeout', 'a lock-timeout that is no duration', { 'lock-timeout': 'a while' }),
    c(action, 'variables', 'variables that are a list, not a map', { variables: '- a\n- b' }),
    c(action, 'variables', 'variables value *alias', {
      variables: 'db_password: *s3cret-alias',
    }),
    c(action, 'variables', 'variables value !tag', {
      variables: 'db_password: !s3cret-tag',
    }),
    c(action, 'variables', 'variables that are not YAML', { variables: 'a: [1, 2' }),
    c(action, 'mirror-url', 'a mirror-url that is no URL', { 'mirror-url': 'not a url' }),
    c(action, 'mask-patterns', 'mask pattern (unclosed', { 'mask-patterns': '(unclosed' }),
  ];
}

const CASES: Case[] = [
  // tf-plan
  ...terraformCases('tf-plan'),
  c('tf-plan', 'workspace', 'a workspace with a newline', { workspace: 'dev\nprod' }),
  c('tf-plan', 'workspace', 'a workspace with a slash', { workspace: '../prod' }),
  c('tf-plan', 'label', 'a label with a newline', { label: 'eu\nus' }),
  c('tf-plan', 'comment', 'an unknown comment mode', { comment: 'sometimes' }),
  c('tf-plan', 'destroy', 'destroy that is not a boolean', { destroy: 'maybe' }),
  c('tf-plan', 'refresh-only', 'destroy and refresh-only together', { destroy: 'true', 'refresh-only': 'true' }),
  c('tf-plan', 'artifact', 'artifact that is not a boolean', { artifact: 'perhaps' }),
  c('tf-plan', 'targets', 'a target that is no resource address', { targets: 'aws_instance.web; rm -rf /' }),
  // tf-apply
  ...terraformCases('tf-apply'),
  c('tf-apply', 'workspace', 'a workspace with a newline', { workspace: 'dev\nprod' }),
  c('tf-apply', 'label', 'a label with a newline', { label: 'eu\nus' }),
  c('tf-apply', 'mode', 'an unknown mode', { mode: 'yolo' }),
  c('tf-apply', 'plan-dir', 'plan-dir ../../etc', { 'plan-dir': '../../etc' }),
  c('tf-apply', 'plan-dir', 'plan-dir /etc (outside RUNNER_TEMP)', { 'plan-dir': '/etc' }),
  c('tf-apply', 'plan-dir', 'a missing plan-dir', (s) => ({ 'plan-dir': path.join(s.workspace, 'no-plan') })),
  c('tf-apply', 'max-plan-age', 'a max-plan-age that is no duration', { 'max-plan-age': 'forever' }),
  c('tf-apply', 'plan-digest', 'a plan-digest that is no SHA-256', { 'plan-digest': 'abc123' }),
  c('tf-apply', 'plan-run-id', 'a plan-run-id that is no number', { 'plan-run-id': 'last-one' }),
  c('tf-apply', 'backup-state', 'backup-state that is not a boolean', { 'backup-state': 'maybe' }),
  c('tf-apply', 'require-pr-approval', 'require-pr-approval sure', { 'require-pr-approval': 'sure' }),
  // drift-detect
  ...terraformCases('drift-detect'),
  c('drift-detect', 'workspaces', 'a workspace with a space', { workspaces: 'dev prod' }),
  c('drift-detect', 'mode', 'an unknown mode', { mode: 'partial' }),
  c('drift-detect', 'concurrency', 'concurrency 0', { concurrency: '0' }),
  c('drift-detect', 'concurrency', 'concurrency over 64', { concurrency: '65' }),
  c('drift-detect', 'concurrency', 'concurrency that is no number', { concurrency: 'many' }),
  c('drift-detect', 'issue', 'issue that is not a boolean', { issue: 'maybe' }),
  c('drift-detect', 'issue-label', 'an issue label with a newline', { 'issue-label': 'drift\nurgent' }),
  c('drift-detect', 'fail-on-drift', 'fail-on-drift that is not a boolean', { 'fail-on-drift': 'perhaps' }),
  c('drift-detect', 'notify-webhook', 'a notify-webhook that is no URL', { 'notify-webhook': 'hooks.example/abc' }),
  c('drift-detect', 'notify-webhook', 'a notify-webhook that is not http(s)', {
    'notify-webhook': 'ftp://hooks.example/abc',
  }),
  // docker-publish
  c('docker-publish', 'images', 'no images', { images: '' }),
  c('docker-publish', 'images', 'an image enable that is not a boolean', (s) => ({
    images: `name=${s.registry}/team/app,enable=maybe`,
  })),
  c('docker-publish', 'images', 'an image name with a tag', (s) => ({ images: `${s.registry}/team/app:1.0` })),
  c('docker-publish', 'images', 'an image name with a space and ..', (s) => ({ images: `${s.registry}/../x y` })),
  c('docker-publish', 'tags', 'an unknown tag type', { tags: 'type=nightly' }),
  c('docker-publish', 'tags', 'a raw tag ../x y', { tags: 'type=raw,value=../x y' }),
  c('docker-publish', 'flavor', 'an unknown latest mode', { flavor: 'latest=sometimes' }),
  c('docker-publish', 'context', 'context ../../etc', { context: '../../etc' }),
  c('docker-publish', 'context', 'an absolute context (/etc)', { context: '/etc' }),
  c('docker-publish', 'context', 'a context that is a symlink out', { context: 'link-out' }),
  c('docker-publish', 'context', 'a missing context', { context: 'no-such-dir' }),
  c('docker-publish', 'file', 'a Dockerfile outside the repository', { file: '../../etc/passwd' }),
  c('docker-publish', 'file', 'an absolute Dockerfile (/etc/passwd)', { file: '/etc/passwd' }),
  c('docker-publish', 'file', 'a missing Dockerfile', { file: 'Dockerfile.missing' }),
  c('docker-publish', 'if-tag-exists', 'an unknown if-tag-exists', { 'if-tag-exists': 'maybe' }),
  c('docker-publish', 'push-attempts', 'push-attempts 0', { 'push-attempts': '0' }),
  c('docker-publish', 'push-attempts', 'push-attempts that is no number', { 'push-attempts': 'a few' }),
  c('docker-publish', 'push-retry-delay', 'a push-retry-delay that is no duration', { 'push-retry-delay': 'soon' }),
  c('docker-publish', 'ecr-tag-immutability', 'an unknown tag mutability', { 'ecr-tag-immutability': 'sometimes' }),
  c('docker-publish', 'registries', 'registries that are not a list', { registries: 'registry: ghcr.io' }),
  c('docker-publish', 'registries', 'a password starting with * unquoted', (s) => ({
    registries: `- registry: ${s.registry}\n  username: u\n  password: *s3cret`,
  })),
  c('docker-publish', 'registry-password', 'a registry-username without a password', {
    'registry-username': 'publisher',
  }),
  c('docker-publish', 'tags', 'a semver match that is no regular expression', {
    tags: 'type=semver,pattern={{version}},match=v(',
  }),
  c('docker-publish', 'source-image', 'a source image by tag, not digest', (s) => ({
    'source-image': `${s.registry}/team/app:1.0`,
  })),
  c('docker-publish', 'build-args', 'build-args beside a source image, which is copied, not built', (s) => ({
    'source-image': `${s.registry}/team/app@sha256:${'a'.repeat(64)}`,
    'build-args': 'VERSION=1',
  })),
  c('docker-publish', 'ecr-account-ids', 'an account ID of 5 digits', { 'ecr-account-ids': '12345' }),
  c('docker-publish', 'build-args', 'a build-arg with an empty name', { 'build-args': '=value' }),
  c('docker-publish', 'no-cache', 'no-cache that is not a boolean', { 'no-cache': 'maybe' }),
  // ansible-deploy
  c('ansible-deploy', 'playbook', 'no playbook', { playbook: '' }),
  c('ansible-deploy', 'playbook', 'a playbook outside the repository', { playbook: '../../etc/passwd' }),
  c('ansible-deploy', 'playbook', 'an absolute playbook (/etc/passwd)', { playbook: '/etc/passwd' }),
  c('ansible-deploy', 'playbook', 'a playbook that is a symlink out', { playbook: 'link.yml' }),
  c('ansible-deploy', 'playbook', 'a missing playbook', { playbook: 'missing.yml' }),
  c('ansible-deploy', 'working-directory', 'working-directory ../../etc', {
    'working-directory': '../../etc',
  }),
  c('ansible-deploy', 'working-directory', 'a missing working directory', { 'working-directory': 'nowhere' }),
  c('ansible-deploy', 'inventory', 'inventory /etc/hosts', { inventory: '/etc/hosts' }),
  c('ansible-deploy', 'requirements', 'requirements ../../etc/passwd', {
    requirements: '../../etc/passwd',
  }),
  c('ansible-deploy', 'ansible-config', 'an ansible.cfg outside the repository', { 'ansible-config': '/etc/passwd' }),
  c('ansible-deploy', 'extra-vars', 'extra-vars that are a list', { 'extra-vars': '- a\n- b' }),
  c('ansible-deploy', 'extra-vars', 'extra-vars value *alias', {
    'extra-vars': 'token: *s3cret',
  }),
  c('ansible-deploy', 'extra-vars', 'extra-vars value !tag', {
    'extra-vars': 'token: !s3cret',
  }),
  c('ansible-deploy', 'private-key', 'a public key as private-key', {
    'private-key': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLE user@host',
  }),
  c('ansible-deploy', 'known-hosts', 'no known-hosts, checking on', { 'known-hosts': '' }),
  c('ansible-deploy', 'host-key-checking', 'host-key-checking that is not a boolean', { 'host-key-checking': 'maybe' }),
  c('ansible-deploy', 'check', 'check that is not a boolean', { check: 'perhaps' }),
  c('ansible-deploy', 'forks', 'forks 0', { forks: '0' }),
  c('ansible-deploy', 'forks', 'forks that is no number', { forks: 'many' }),
  c('ansible-deploy', 'retries-unreachable', 'negative retries', { 'retries-unreachable': '-1' }),
  c('ansible-deploy', 'inventory-from-terraform', 'inventory-from-terraform not JSON', {
    'inventory-from-terraform': '{"hosts": ',
    'terraform-hosts-output': 'hosts',
  }),
  c('ansible-deploy', 'terraform-hosts-output', 'inventory-from-terraform, no hosts output', {
    'inventory-from-terraform': '{"hosts": {"value": ["127.0.0.1"]}}',
  }),
  // smoke-test
  c('smoke-test', 'urls', 'no urls and no checks', { urls: '' }),
  c('smoke-test', 'urls', 'a URL that is no URL', { urls: 'not a url' }),
  c('smoke-test', 'urls', 'a URL that is not http(s)', { urls: 'ftp://127.0.0.1/health' }),
  c('smoke-test', 'urls', 'a URL of 120 kB', { urls: TOO_LONG_URL }),
  c('smoke-test', 'headers', 'a header value with CR/LF', {
    headers: JSON.stringify({ Authorization: 'Bearer abc123\r\nX-Injected: 1' }),
  }),
  c('smoke-test', 'headers', 'header value a\\nb', {
    headers: JSON.stringify({ 'X-Probe': 'a\nb' }),
  }),
  c('smoke-test', 'headers', 'a header name with a space', { headers: JSON.stringify({ 'Bad Header': 'x' }) }),
  c('smoke-test', 'headers', 'headers value *alias', { headers: 'Authorization: *token' }),
  c('smoke-test', 'headers', 'headers that are a list', { headers: '- a\n- b' }),
  c('smoke-test', 'checks', 'checks that are not a list', (s) => ({ urls: '', checks: `url: ${s.appUrl}/health` })),
  c('smoke-test', 'checks', 'a check without url', { urls: '', checks: '- method: GET' }),
  c('smoke-test', 'checks', 'a check with an unknown method', (s) => ({
    urls: '',
    checks: `- url: ${s.appUrl}/health\n  method: FETCH`,
  })),
  c('smoke-test', 'checks', 'a check with a header with CR/LF', (s) => ({
    urls: '',
    checks: `- url: ${s.appUrl}/health\n  headers:\n    X-Probe: "a\\r\\nInjected: 1"`,
  })),
  c('smoke-test', 'expect-status', 'an expect-status that is no status', { 'expect-status': 'ok' }),
  c('smoke-test', 'expect-status', 'an expect-status out of range', { 'expect-status': '600' }),
  c('smoke-test', 'expect-status', 'an expect-status range backwards', { 'expect-status': '300-200' }),
  c('smoke-test', 'expect-body', 'expect-body (unclosed', { 'expect-body': '(unclosed' }),
  c('smoke-test', 'max-latency', 'a max-latency that is no duration', { 'max-latency': 'fast' }),
  c('smoke-test', 'timeout', 'a timeout of 0', { timeout: '0s' }),
  c('smoke-test', 'max-attempts', 'max-attempts 0', { 'max-attempts': '0' }),
  c('smoke-test', 'max-attempts', 'max-attempts that is no number', { 'max-attempts': 'ten' }),
  c('smoke-test', 'retry-delay', 'a retry-delay that is no duration', { 'retry-delay': 'soon' }),
  c('smoke-test', 'deadline', 'a deadline that is no duration', { deadline: 'tomorrow' }),
  c('smoke-test', 'concurrency', 'concurrency 0', { concurrency: '0' }),
  c('smoke-test', 'insecure-tls', 'insecure-tls that is not a boolean', { 'insecure-tls': 'maybe' }),
  c('smoke-test', 'follow-redirects', 'follow-redirects that is not a boolean', { 'follow-redirects': 'perhaps' }),
];

/** Valid inputs of each action: a case changes one. */
function validInputs(
  action: Case['action'],
  s: Sandbox,
  key: { privateKey: string; publicKey: string },
): Record<string, string> {
  switch (action) {
    case 'tf-plan':
      return { 'working-directory': 'stack', version: '1.11.4', 'mirror-url': s.mirrorUrl };
    case 'tf-apply':
      return { 'working-directory': 'stack', 'mirror-url': s.mirrorUrl };
    case 'drift-detect':
      return {
        'working-directories': 'stack',
        version: '1.11.4',
        'mirror-url': s.mirrorUrl,
        'notify-webhook': s.webhookUrl,
      };
    case 'docker-publish':
      return { images: `${s.registry}/team/app`, context: '.', tags: 'type=raw,value=1', 'push-retry-delay': '10ms' };
    case 'ansible-deploy':
      return {
        playbook: 'site.yml',
        'working-directory': 'ansible',
        inventory: `[app]\ntarget ansible_host=127.0.0.1 ansible_port=${s.sshPort}\n`,
        'private-key': key.privateKey,
        'known-hosts': `[127.0.0.1]:${s.sshPort} ${key.publicKey}`,
      };
    case 'smoke-test':
      return { urls: `${s.appUrl}/health`, 'max-attempts': '1', timeout: '1s' };
  }
}

/** The checkout every case starts from: a stack, a Dockerfile, a playbook, and symlinks out of the repository. */
async function makeTemplate(dir: string): Promise<string> {
  const ws = path.join(dir, 'template');
  await mkdir(path.join(ws, 'stack'), { recursive: true });
  await mkdir(path.join(ws, 'ansible'), { recursive: true });
  await writeFile(path.join(ws, 'stack', 'main.tf'), 'resource "terraform_data" "x" {\n  input = "x"\n}\n');
  await writeFile(path.join(ws, 'stack', 'dev.tfvars'), '');
  await symlink('/etc/passwd', path.join(ws, 'stack', 'leak.tfvars'));
  await symlink('/etc', path.join(ws, 'link-out'));
  await writeFile(path.join(ws, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /\n');
  await writeFile(path.join(ws, 'hello.txt'), 'hello\n');
  await writeFile(path.join(ws, 'ansible', 'site.yml'), '- hosts: all\n  gather_facts: false\n  tasks: []\n');
  await symlink('/etc/passwd', path.join(ws, 'ansible', 'link.yml'));
  return ws;
}

describe('bad inputs: one error line naming the input, invalid-input, no side effect', () => {
  let root: string;
  let template: string;
  const key = { privateKey: '', publicKey: '' };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'adv-bad-'));
    template = await makeTemplate(root);
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(root, 'key')]);
    key.privateKey = await readFile(path.join(root, 'key'), 'utf8');
    key.publicKey = (await readFile(path.join(root, 'key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('has at least 80 cases, over every action', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(80);
    expect(new Set(CASES.map((k) => k.action)).size).toBe(6);
  });

  describe.concurrent.each(CASES)('$action: $what', (k) => {
    // The test's own `expect`: cases run concurrently.
    it(`is refused naming '${k.input}', before any side effect`, async ({ expect }) => {
      const dir = await mkdtemp(path.join(root, 'case-'));
      const workspace = path.join(dir, 'workspace');
      await cp(template, workspace, { recursive: true, verbatimSymlinks: true });
      const [github, artifacts, engine, registry, ssh, app, webhook, mirror, recorder] = await Promise.all([
        startGitHubApiFake({ repositories: [REPOSITORY] }),
        startArtifactServiceFake(),
        startRequestRecorder(503, path.join(dir, 'docker.sock')),
        startConnectionRecorder(),
        startConnectionRecorder(),
        startRequestRecorder(200),
        startWebhookReceiver(),
        startRequestRecorder(404),
        startRecorder(path.join(dir, 'recorder'), { exec: false }),
      ]);
      const sandbox: Sandbox = {
        workspace,
        registry: `127.0.0.1:${registry.port}`,
        sshPort: ssh.port,
        appUrl: app.url,
        webhookUrl: `${webhook.url}/hooks/abc`,
        mirrorUrl: mirror.url,
      };
      let run: ActionRun | undefined;
      try {
        run = await runAction(k.action, {
          ...bundle(k.action),
          workspace,
          token: FAKE_GITHUB_TOKEN,
          timeoutMs: 60_000,
          env: {
            PATH: recorder.path,
            GITHUB_API_URL: github.url,
            GITHUB_REPOSITORY: REPOSITORY,
            DOCKER_HOST: engine.url,
            AWS_EC2_METADATA_DISABLED: 'true',
            ...artifacts.env(),
          },
          inputs: { ...validInputs(k.action, sandbox, key), ...k.inputs(sandbox) },
        });
        const { main } = run;
        const errors = main.annotations.filter((a) => a.level === 'error');
        expect.soft(main.exitCode, 'exit code').toBe(1);
        expect.soft(main.outputs['failure-reason'], 'failure-reason').toBe('invalid-input');
        expect
          .soft(
            errors.map((e) => e.message),
            'exactly one error, naming the input',
          )
          .toEqual([expect.stringMatching(new RegExp(`^Input '${k.input}' [^\\n]*$`))]);
        expect
          .soft(`${main.log}\n${main.summary}`, 'no stack trace')
          .not.toMatch(/\n\s+at .+:\d+:\d+\)?$|unexpected error/m);
        // Nothing reached.
        const calls = await recorder.calls();
        expect
          .soft(
            calls.map((call) => `${call.program} ${call.argv.join(' ')}`),
            'processes started',
          )
          .toEqual([]);
        expect
          .soft(
            github.requests.map((r) => `${r.method} ${r.path}`),
            'GitHub API requests',
          )
          .toEqual([]);
        expect
          .soft(
            artifacts.requests.map((r) => `${r.method} ${r.path}`),
            'artifact service requests',
          )
          .toEqual([]);
        expect
          .soft(
            engine.requests.map((r) => `${r.method} ${r.path}`),
            'Docker engine requests',
          )
          .toEqual([]);
        expect.soft(registry.connections, 'registry connections').toBe(0);
        expect.soft(ssh.connections, 'SSH connections').toBe(0);
        expect
          .soft(
            app.requests.map((r) => r.path),
            'HTTP probes',
          )
          .toEqual([]);
        expect.soft(webhook.requests.length, 'webhook messages').toBe(0);
        expect
          .soft(
            mirror.requests.map((r) => r.path),
            'release mirror requests',
          )
          .toEqual([]);
      } finally {
        await run?.cleanup();
        await Promise.all([github, artifacts, engine, registry, ssh, app, webhook, mirror].map((s) => s.close()));
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
