import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_ACTIONS_BOT } from '../fakes/github-api.ts';
import type { ArtifactJob } from '../fakes/artifact-service.ts';
import type { ActionEvent } from '../harness/run-action.ts';
import { webhookPayload } from '../harness/webhooks.ts';
import { REAL_TERRAFORM } from '../e2e/real-terraform.ts';
import { REPOSITORY, startTerraformWorld, type TerraformWorld } from '../e2e/terraform-setup.ts';
import { bundle } from './bundles.ts';
import { describeLeaks, findLeaks, forbiddenChildVariables, type Allowance } from './channels.ts';
import { allSecrets, makeCorpus, yamlIndicatorSecrets, type Corpus, type Secret } from './corpus.ts';
import { leaks } from './leaks.ts';
import { observe, type Observation } from './observe.ts';
import { startRequestRecorder, startStateBackend, startWebhookReceiver, type StateBackend } from './receivers.ts';
import { startRecorder, type Recorder } from './recorder.ts';

// The secret corpus through tf-plan, tf-apply and drift-detect, with the real
// terraform 1.11.4 on PATH (behind a logging wrapper), on stacks of builtin
// terraform_data resources whose state is kept by Terraform's http backend on
// loopback (its password given as `backend-config`). Each value reaches
// Terraform's text the ways the issue found: a sensitive variable, unmarked
// ones given in `variables` and as TF_VAR_*, urlencode(), base64encode("user:…"),
// tonumber() errors, a local-exec provisioner that echoes it, a sensitive
// output and a non-sensitive output named db_password. Every channel of every
// step is searched for every secret, in every form.

const terraform = REAL_TERRAFORM?.tool === 'terraform' ? REAL_TERRAFORM : undefined;
const HEAD = 'c0ffee00000000000000000000000000000000a1';

describe.skipIf(!terraform)('secrets through tf-plan, tf-apply and drift-detect (real terraform)', () => {
  let world: TerraformWorld;
  let corpus: Corpus;
  let secrets: Secret[];
  let recorder: Recorder;
  let backend: StateBackend;
  let webhooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let scratch: string;

  beforeAll(async () => {
    corpus = await makeCorpus();
    [world, backend, webhooks] = await Promise.all([
      startTerraformWorld(),
      startStateBackend('ci', corpus.backendPassword.value),
      startWebhookReceiver(),
    ]);
    world.github.addToken(corpus.githubToken.value, GITHUB_ACTIONS_BOT);
    scratch = await mkdtemp(path.join(tmpdir(), 'adv-tf-'));
    recorder = await startRecorder(path.join(scratch, 'recorder'));
    secrets = allSecrets(corpus);
  });
  afterAll(async () => {
    await Promise.all([world?.close(), backend?.close(), webhooks?.close()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** The job's runtime token is a secret too (it must reach no child and no text). */
  const runtimeTokenSecret = (job: ArtifactJob): Secret => ({
    id: 'actions-runtime-token',
    value: world.artifacts.runtimeToken(job),
    about: 'ACTIONS_RUNTIME_TOKEN',
  });

  /**
   * The places a secret may be. Nothing else is skipped.
   * - Without `plan-encryption-key`, the binary plan and its JSON hold every
   *   variable and value in clear: that is Terraform's plan file, documented in
   *   the README as what the key is for. With a key only ciphertext is stored,
   *   and no allowance applies (`encrypted`).
   * - Without a key, the state backup artifact is the state, which holds every
   *   value in clear (the step warns about it); with a key it is encrypted.
   * - TF_VAR_env_token is the user's own environment variable for Terraform:
   *   the step's environment is Terraform's, by design.
   */
  function allowances(encrypted: boolean, variables: Secret[] = []): Allowance[] {
    const values = [
      corpus.tfSensitive,
      corpus.tfUnmarked,
      corpus.tfEnv,
      corpus.tfOutputByName,
      corpus.tfSensitiveOutput,
      corpus.backendPassword,
      ...variables,
    ];
    const clearByDesign = encrypted
      ? []
      : values.flatMap((s) => [
          { secret: s.id, channel: /: artifact [^/]+\/plan\.(tfplan|json)$/, why: 'plan file without a key' },
          { secret: s.id, channel: /: artifact tfstate-[^/]+\/terraform\.tfstate$/, why: 'state backup without a key' },
        ]);
    return [
      ...clearByDesign,
      { secret: corpus.tfEnv.id, channel: /: environment of terraform: TF_VAR_env_token$/, why: "the user's TF_VAR_*" },
    ];
  }

  function expectNoLeak(
    observation: Observation,
    options: { encrypted?: boolean; job?: ArtifactJob; variables?: Secret[] } = {},
  ): void {
    const all = options.job ? [...secrets, runtimeTokenSecret(options.job)] : secrets;
    const leaks = findLeaks(observation.channels, all, allowances(options.encrypted ?? false, options.variables));
    // Soft: every step of a test is searched, and every leak of each reported.
    expect.soft(describeLeaks(leaks), 'secrets found outside their allowed places').toBe('');
    expect
      .soft(forbiddenChildVariables(observation.calls), "children given the step's inputs or runtime token")
      .toEqual([]);
  }

  /** A positive control: the secret is found in the channels named so (the search is not blind there). */
  function expectSeen(observation: Observation, channel: RegExp, secret: Secret): void {
    const texts = observation.channels.filter((c) => channel.test(c.name));
    expect(texts.length, `no channel ${channel}`).toBeGreaterThan(0);
    expect(
      texts.some((c) => leaks(c.text, secret).length > 0),
      `${secret.id} not seen in ${channel}`,
    ).toBe(true);
  }

  const env = () => ({ TF_VAR_env_token: corpus.tfEnv.value, PATH: recorder.path });
  const variables = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      db_password: corpus.tfSensitive.value,
      api_key: corpus.tfUnmarked.value,
      ...extra,
    });
  const backendConfig = () => `username=ci\npassword=${corpus.backendPassword.value}`;

  function stack(name: string): string {
    return `
terraform {
  backend "http" {
    address = "${backend.url}/state/${name}"
  }
}
variable "db_password" {
  type      = string
  sensitive = true
}
variable "api_key" {
  type = string
}
variable "env_token" {
  type = string
}
variable "fail_hook" {
  type    = bool
  default = false
}
locals {
  legacy_password = "${corpus.tfOutputByName.value}"
  admin_secret    = sensitive("${corpus.tfSensitiveOutput.value}")
}
resource "terraform_data" "db" {
  input = var.db_password
}
resource "terraform_data" "encoded" {
  input = {
    url   = "https://svc.example/login?key=\${urlencode(var.api_key)}"
    basic = base64encode("user:\${var.api_key}")
    token = var.env_token
  }
}
resource "terraform_data" "hook" {
  triggers_replace = [timestamp()]
  provisioner "local-exec" {
    command = "echo 'deploy key \${var.api_key} env \${var.env_token}'; exit \${var.fail_hook ? 3 : 0}"
  }
}
output "db_password" {
  value = local.legacy_password
}
output "admin" {
  value     = local.admin_secret
  sensitive = true
}
output "login_url" {
  value = "https://svc.example/login?key=\${urlencode(var.api_key)}"
}
`;
  }

  function brokenStack(name: string): string {
    return `
terraform {
  backend "http" {
    address = "${backend.url}/state/${name}"
  }
}
variable "db_password" {
  type      = string
  sensitive = true
}
variable "api_key" {
  type = string
}
variable "env_token" {
  type = string
}
resource "terraform_data" "port" {
  input = tonumber(var.api_key)
}
resource "terraform_data" "env_port" {
  input = tonumber(var.env_token)
}
`;
  }

  async function checkout(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(world.dir, 'checkout-'));
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    return dir;
  }

  function pushEvent(sha: string): ActionEvent {
    const payload = webhookPayload('push');
    Object.assign(payload, { after: sha, ref: 'refs/heads/main' });
    return { name: 'push', payload };
  }

  /** tf-plan on a pull request in a run of its own, its artifact published as GitHub keeps a finished run's. */
  async function planPullRequest(workspace: string, stackDir: string, inputs: Record<string, string> = {}) {
    const pr = world.pullRequest({ headSha: HEAD });
    const job = world.artifacts.newJob();
    const observation = await observe(
      'tf-plan',
      { recorder, github: world.github, artifacts: world.artifacts, job },
      workspace,
      () =>
        world.run('tf-plan', {
          ...bundle('tf-plan'),
          workspace,
          event: pr.event,
          double: false,
          token: corpus.githubToken.value,
          env: { ...world.artifacts.env(job), ...env() },
          inputs: {
            tool: 'terraform',
            version: terraform!.version,
            'working-directory': stackDir,
            'backend-config': backendConfig(),
            variables: variables(),
            ...inputs,
          },
        }),
    );
    return { pr, job, observation };
  }

  /** Merges the pull request and runs tf-apply on the push of its merge commit, in a run of its own. */
  async function applyMerged(
    workspace: string,
    stackDir: string,
    planned: { pr: { number: number }; job: ArtifactJob; observation: Observation },
    inputs: Record<string, string> = {},
  ) {
    const run = world.github.seedWorkflowRun(REPOSITORY, {
      event: 'pull_request',
      headSha: HEAD,
      pullRequests: [planned.pr.number],
    });
    world.artifacts.publishToGitHub(world.github, REPOSITORY, {
      name: planned.observation.run.main.outputs['artifact-name']!,
      runId: run.id,
      job: planned.job,
    });
    const merged = world.github.mergePullRequest(REPOSITORY, planned.pr.number, { user: 'octocat' });
    const job = world.artifacts.newJob();
    const observation = await observe(
      'tf-apply',
      { recorder, github: world.github, artifacts: world.artifacts, job },
      workspace,
      () =>
        world.run('tf-apply', {
          ...bundle('tf-apply'),
          workspace,
          event: pushEvent(merged.merge_commit_sha!),
          double: false,
          token: corpus.githubToken.value,
          env: { ...world.artifacts.env(job), ...env() },
          inputs: {
            tool: 'terraform',
            'working-directory': stackDir,
            'backend-config': backendConfig(),
            variables: variables(),
            ...inputs,
          },
        }),
    );
    return { job, observation };
  }

  const commentsOf = (pr: number) =>
    world.github
      .comments(REPOSITORY, pr)
      .map((c) => c.body ?? '')
      .join('\n');

  it('a pull request planned and applied without an encryption key: secrets only in the plan file', async () => {
    const workspace = await checkout({ 'stacks/app/main.tf': stack('app') });
    const planned = await planPullRequest(workspace, 'stacks/app');
    const plan = planned.observation.run;
    expect(plan.main.exitCode, plan.main.log).toBe(0);
    // The values did reach Terraform's text: the comment shows the resources, masked.
    expect(commentsOf(planned.pr.number)).toMatch(/terraform_data\.encoded/);
    expect(planned.observation.calls.some((c) => c.program === 'terraform' && c.argv[0] === 'plan')).toBe(true);
    expectNoLeak(planned.observation, { job: planned.job });
    // The search sees the values where they legitimately are: the plan JSON of the artifact, Terraform's environment.
    expectSeen(planned.observation, /: artifact [^/]+\/plan\.json$/, corpus.tfSensitive);
    expectSeen(planned.observation, /: environment of terraform: TF_VAR_env_token$/, corpus.tfEnv);
    if (process.env.ADVERSARIAL_DUMP) console.error(planned.observation.channels.map((c) => c.name).join('\n'));

    const applied = await applyMerged(workspace, 'stacks/app', planned);
    const apply = applied.observation.run;
    expect(apply.main.exitCode, apply.main.log).toBe(0);
    expect(apply.main.outputs.applied).toBe('true');
    // The provisioner ran and echoed the values (the runner masks them in the log).
    expect(apply.main.log).toMatch(/deploy key \*\*\* env \*\*\*/);
    expect(Object.keys(JSON.parse(apply.main.outputs['outputs-json'] ?? '{}') as object)).toContain('login_url');
    expectNoLeak(applied.observation, { job: applied.job });
  });

  it('planned and applied with plan-encryption-key: no secret anywhere, the state backup encrypted too', async () => {
    const workspace = await checkout({ 'stacks/keyed/main.tf': stack('keyed') });
    const key = { 'plan-encryption-key': corpus.planKey.value };
    // A first apply, so that the second has a state to back up.
    const first = await planPullRequest(workspace, 'stacks/keyed', key);
    expect(first.observation.run.main.exitCode, first.observation.run.main.log).toBe(0);
    expectNoLeak(first.observation, { encrypted: true, job: first.job });
    const firstApply = await applyMerged(workspace, 'stacks/keyed', first, key);
    expect(firstApply.observation.run.main.exitCode, firstApply.observation.run.main.log).toBe(0);
    expectNoLeak(firstApply.observation, { encrypted: true, job: firstApply.job });

    const second = await planPullRequest(workspace, 'stacks/keyed', key);
    expect(second.observation.run.main.exitCode, second.observation.run.main.log).toBe(0);
    expectNoLeak(second.observation, { encrypted: true, job: second.job });
    const secondApply = await applyMerged(workspace, 'stacks/keyed', second, key);
    const apply = secondApply.observation.run;
    expect(apply.main.exitCode, apply.main.log).toBe(0);
    expect(apply.main.outputs['state-backup-artifact']).toMatch(/^tfstate-/);
    expect(
      secondApply.observation.channels.some((c) => / artifact tfstate-[^/]+\/terraform\.tfstate\.enc$/.test(c.name)),
    ).toBe(true);
    expectNoLeak(secondApply.observation, { encrypted: true, job: secondApply.job });

    // Applied with another key (here the vault password of the corpus): refused without quoting either key.
    const third = await planPullRequest(workspace, 'stacks/keyed', key);
    expect(third.observation.run.main.exitCode, third.observation.run.main.log).toBe(0);
    const wrongKey = await applyMerged(workspace, 'stacks/keyed', third, {
      'plan-encryption-key': corpus.vaultPassword.value,
    });
    expect(wrongKey.observation.run.main.exitCode).toBe(1);
    expect(['plan-tampered', 'plan-decryption-failed']).toContain(
      wrongKey.observation.run.main.outputs['failure-reason'],
    );
    expectNoLeak(wrongKey.observation, { encrypted: true, job: wrongKey.job });
  });

  it('an apply whose local-exec provisioner echoes the values and fails: the summary and comment stay clean', async () => {
    const workspace = await checkout({ 'stacks/hook/main.tf': stack('hook') });
    const planned = await planPullRequest(workspace, 'stacks/hook', { variables: variables({ fail_hook: true }) });
    expect(planned.observation.run.main.exitCode, planned.observation.run.main.log).toBe(0);
    expectNoLeak(planned.observation, { job: planned.job });
    const applied = await applyMerged(workspace, 'stacks/hook', planned, { variables: variables({ fail_hook: true }) });
    const apply = applied.observation.run;
    expect(apply.main.exitCode, apply.main.log).toBe(1);
    expect(apply.main.outputs['failure-reason']).toBe('apply-failed');
    expect(apply.main.log).toMatch(/local-exec/);
    expectNoLeak(applied.observation, { job: applied.job });
  });

  it('a plan that fails on tonumber() of an unmarked variable and of a TF_VAR_ value: the error is posted masked', async () => {
    const workspace = await checkout({ 'stacks/broken/main.tf': brokenStack('broken') });
    const planned = await planPullRequest(workspace, 'stacks/broken');
    const plan = planned.observation.run;
    expect(plan.main.exitCode, plan.main.log).toBe(1);
    expect(plan.main.outputs['failure-reason']).toBe('plan-failed');
    // Terraform's diagnostic quoted the values (masked by the runner in the log).
    expect(plan.main.log).toMatch(/tonumber/);
    expect(commentsOf(planned.pr.number)).toMatch(/tonumber|number/);
    expectNoLeak(planned.observation, { job: planned.job });
  });

  it('variables starting with YAML indicators never reach a parser message, the log or the comment', async () => {
    for (const secret of yamlIndicatorSecrets(corpus)) {
      const workspace = await checkout({ 'stacks/yaml/main.tf': stack(`yaml-${secret.id}`) });
      const yaml = `db_password: ${corpus.tfSensitive.id}-placeholder\napi_key: ${secret.value}`;
      const planned = await planPullRequest(workspace, 'stacks/yaml', { variables: yaml });
      const run = planned.observation.run;
      // Refused as YAML (invalid-input), or taken as some value and planned.
      if (run.main.exitCode !== 0) expect.soft(run.main.outputs['failure-reason'], run.main.log).toBe('invalid-input');
      // A value taken is a variable like any other: in the plan file without a key.
      expectNoLeak(planned.observation, { job: planned.job, variables: [secret] });
    }
  });

  it('drift-detect: the drift issue, the errored stack and the webhook message stay clean', async () => {
    const workspace = await checkout({
      'drift/app/main.tf': stack('drift-app'),
      'drift/broken/main.tf': brokenStack('drift-broken'),
    });
    const observation = await observe('drift-detect', { recorder, github: world.github, webhooks }, workspace, () =>
      world.run('drift-detect', {
        ...bundle('drift-detect'),
        workspace,
        double: false,
        token: corpus.githubToken.value,
        env: { ...env(), GITHUB_RUN_ID: '9001' },
        inputs: {
          tool: 'terraform',
          version: terraform!.version,
          'working-directories': 'drift/*',
          mode: 'full',
          'backend-config': backendConfig(),
          variables: variables(),
          'notify-webhook': `${webhooks.url}/hooks/${corpus.webhookToken.value}`,
        },
      }),
    );
    const run = observation.run;
    expect(run.main.outputs.drifted, run.main.log).toBe('true');
    expect(JSON.parse(run.main.outputs['errored-stacks'] ?? '[]')).toHaveLength(1);
    const issues = world.github.issues(REPOSITORY).filter((i) => /drift\/app/.test(i.title));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.body).toMatch(/terraform_data\.encoded/);
    expect(webhooks.requests.length).toBeGreaterThan(0);
    expectNoLeak(observation);
  });

  it('a mirror-url with userinfo that cannot be reached: its password is not printed', async () => {
    const workspace = await checkout({ 'stacks/mirror/main.tf': stack('mirror') });
    // A mirror that answers 404 to everything.
    const server = await startRequestRecorder(404);
    const mirror = `${server.url.replace('//', `//mirror-user:${corpus.urlPassword.value}@`)}/terraform`;
    const observation = await observe('tf-plan', { recorder, github: world.github }, workspace, () =>
      world.run('tf-plan', {
        ...bundle('tf-plan'),
        workspace,
        double: false,
        token: corpus.githubToken.value,
        env: env(),
        // A version that is not on PATH: the mirror is asked for it.
        inputs: {
          tool: 'terraform',
          version: '1.5.7',
          'mirror-url': mirror,
          'working-directory': 'stacks/mirror',
          comment: 'off',
        },
      }),
    );
    expect(observation.run.main.exitCode, observation.run.main.log).toBe(1);
    expect(observation.run.main.outputs['failure-reason']).toBe('install-failed');
    await server.close();
    expect(server.requests.length, 'the mirror was asked').toBeGreaterThan(0);
    expectNoLeak(observation);
  });
});
