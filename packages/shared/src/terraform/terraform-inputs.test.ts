import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ActionError } from '../action/action-error.ts';
import { redact, registeredSecrets } from '../action/mask.ts';
import { useEnv } from '../../../../test/process-env.ts';
import {
  backendSecrets,
  checkStackFiles,
  readLabel,
  readStackLocation,
  readTerraformSettings,
  readWorkspace,
} from './terraform-inputs.ts';

// Every Terraform input checked before anything runs: one line naming the
// input, `invalid-input`, and never a secret's value in the message.

let repo: string;
let outside: string;
beforeAll(async () => {
  const base = await mkdtemp(path.join(tmpdir(), 'tf-inputs-'));
  repo = path.join(base, 'repo');
  outside = path.join(base, 'outside');
  await mkdir(path.join(repo, 'infra', 'prod'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(repo, 'infra', 'prod', 'main.tf'), '');
  await writeFile(path.join(repo, 'infra', 'prod', 'prod.tfvars'), 'size = "large"\n');
  await writeFile(path.join(repo, 'infra', 'common.tfvars'), '');
  await writeFile(path.join(outside, 'secret.tfvars'), 'password = "x"\n');
  await symlink(outside, path.join(repo, 'infra', 'escape'));
  await symlink(path.join(outside, 'secret.tfvars'), path.join(repo, 'infra', 'prod', 'linked.tfvars'));
});
afterAll(() => rm(path.dirname(repo), { recursive: true, force: true }));

/** Sets `with:` inputs as the runner does, in a checkout at `repo`. */
function inputs(t: TestContext, values: Record<string, string>) {
  useEnv(t, {
    GITHUB_WORKSPACE: repo,
    ...Object.fromEntries(Object.entries(values).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  });
}

function refusal(run: () => unknown): ActionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    const failure = error as ActionError;
    expect(failure.reason).toBe('invalid-input');
    expect(failure.message).not.toContain('\n');
    return failure;
  }
  throw new Error('expected the input to be refused');
}

describe('readTerraformSettings', () => {
  const read = () => readTerraformSettings({ lockTimeout: '2m' });

  it('reads the defaults: a 60 minute limit per command', (t) => {
    inputs(t, {});
    const { terraform } = read();
    expect([terraform.tool, terraform.lockTimeout, terraform.timeout]).toEqual(['terraform', 120_000, 3_600_000]);
  });

  it('refuses a version that is not a version or constraint, or spans lines', (t) => {
    inputs(t, { version: '~> banana' });
    expect(refusal(read).message).toMatch(/^Input 'version' is not a version or constraint: /);
    inputs(t, { version: '1.9.8\n1.9.9' });
    expect(refusal(read).message).toBe("Input 'version' must be one version or constraint on one line.");
  });

  it('refuses a backend setting whose name is not a setting, without quoting its value', (t) => {
    inputs(t, { 'backend-config': 'bucket=acme\nmy key=Hunter2-Backend-Secret' });
    const error = refusal(read);
    expect(error.message).toMatch(/^Input 'backend-config' line 2 is not `key=value` with a setting name/);
    expect(error.message).not.toContain('Hunter2');
    expect(registeredSecrets()).toContain('Hunter2-Backend-Secret');
  });

  it('reads the time limit, and refuses one that is not a duration or not longer than the lock timeout', (t) => {
    inputs(t, { timeout: '90s', 'lock-timeout': '30s' });
    expect(read().terraform.timeout).toBe(90_000);
    inputs(t, { timeout: 'soon' });
    expect(refusal(read).message).toMatch(/^Input 'timeout' must be a positive duration/);
    inputs(t, { timeout: '1m', 'lock-timeout': '5m' });
    expect(refusal(read).message).toBe(
      "Input 'lock-timeout' (5m) must be shorter than `timeout` (1m), which would stop Terraform while it waits for the lock.",
    );
  });

  it('registers the credentials of mirror-url before checking it, and never quotes them', (t) => {
    inputs(t, { 'mirror-url': 'ftp://mirror-user:Mirr0r-Pa55word@mirror.example/releases' });
    const error = refusal(read);
    expect(error.message).toMatch(/^Input 'mirror-url' must be an http\(s\) URL/);
    expect(error.message).not.toContain('Mirr0r');
    expect(redact('pw Mirr0r-Pa55word user mirror-user')).toBe('pw *** user ***');
    inputs(t, { 'mirror-url': 'https://TokenAsUser-0123@mirror.example/releases' });
    expect(read().terraform.mirrorUrl).toBe('https://TokenAsUser-0123@mirror.example/releases');
    expect(redact('TokenAsUser-0123')).toBe('***');
  });

  it('registers TF_VAR_* values of the step environment, variables and backend values as secrets', (t) => {
    inputs(t, { variables: 'db_password: From-Variables-9', 'backend-config': 'password=From-Backend-9' });
    useEnv(t, { TF_VAR_api_key: 'From-Environment-9', TF_VAR_note: 'With Space!(9)' });
    const { secrets } = read();
    expect(secrets).toEqual(expect.arrayContaining(['From-Variables-9', 'From-Backend-9', 'From-Environment-9']));
    expect(redact('From-Variables-9 From-Backend-9 From-Environment-9')).toBe('*** *** ***');
    // As Terraform's urlencode() writes it (Go's QueryEscape), registered too, so the runner masks it in the log.
    expect(registeredSecrets()).toContain('With+Space%21%289%29');
    expect(redact('url=x?n=With+Space%21%289%29')).toBe('url=x?n=***');
  });
});

describe('readStackLocation', () => {
  it('returns the directory relative to the repository, in one form', (t) => {
    for (const text of ['infra/prod', './infra/prod/', 'infra//prod', `${repo}/infra/prod`]) {
      inputs(t, { 'working-directory': text, workspace: 'staging' });
      expect(readStackLocation(), text).toEqual({ workingDirectory: 'infra/prod', workspace: 'staging' });
    }
    inputs(t, { 'working-directory': '.', workspace: '' });
    expect(readStackLocation()).toEqual({ workingDirectory: '.', workspace: 'default' });
  });

  it('refuses a directory outside the repository, through a link, missing, or a file', (t) => {
    const cases: [string, RegExp][] = [
      ['../../etc', /^Input 'working-directory' is '\.\.\/\.\.\/etc', which is outside the repository/],
      ['/etc', /^Input 'working-directory' is '\/etc', which is outside the repository/],
      ['infra/escape', /^Input 'working-directory' is 'infra\/escape', a link that leads outside the repository/],
      ['infra/missing', /^Input 'working-directory' is 'infra\/missing', which does not exist in the repository/],
      ['infra/prod/main.tf', /which is a file, not a directory\.$/],
    ];
    for (const [text, message] of cases) {
      inputs(t, { 'working-directory': text });
      expect(refusal(readStackLocation).message, text).toMatch(message);
    }
  });

  it('refuses a workspace or label that Terraform, markers or artifact names cannot take', (t) => {
    for (const workspace of ['prod\nstaging', 'prod env', 'a/b']) {
      inputs(t, { workspace });
      expect(refusal(() => readWorkspace('workspace')).message).toMatch(/^Input 'workspace' is not a workspace name/);
    }
    for (const label of ['eu west', 'eu\nwest', '../x', '-x', 'x'.repeat(65)]) {
      inputs(t, { label });
      expect(refusal(readLabel).message, label).toMatch(/^Input 'label' must be up to 64 letters/);
    }
    inputs(t, { label: 'prod-eu_1.2' });
    expect(readLabel()).toBe('prod-eu_1.2');
  });
});

describe('checkStackFiles', () => {
  const stack = () => path.join(repo, 'infra', 'prod');

  it('accepts files of the repository, relative to the stack', (t) => {
    inputs(t, {});
    checkStackFiles({ varFiles: ['prod.tfvars', '../common.tfvars'], backendConfig: ['bucket=x'] }, stack());
  });

  it('refuses files outside the repository, through links, or missing, quoting the path as given', (t) => {
    inputs(t, {});
    const cases: [string[], RegExp][] = [
      [['/etc/passwd'], /^Input 'var-files' is '\/etc\/passwd', which is outside the repository/],
      [['../../../etc/passwd'], /^Input 'var-files' is '\.\.\/\.\.\/\.\.\/etc\/passwd', which is outside/],
      [['linked.tfvars'], /^Input 'var-files' is 'linked\.tfvars', a link that leads outside the repository/],
      [['missing.tfvars'], /^Input 'var-files' is 'missing\.tfvars', which does not exist/],
    ];
    for (const [varFiles, message] of cases) {
      expect(refusal(() => checkStackFiles({ varFiles, backendConfig: [] }, stack())).message).toMatch(message);
    }
    const backend = refusal(() => checkStackFiles({ varFiles: [], backendConfig: ['/etc/passwd'] }, stack()));
    expect(backend.message).toMatch(/^Input 'backend-config' is '\/etc\/passwd', which is outside the repository/);
  });

  it('takes backend files from RUNNER_TEMP, where an earlier step may write them', async (t) => {
    inputs(t, {});
    useEnv(t, { RUNNER_TEMP: outside });
    checkStackFiles({ varFiles: [], backendConfig: [path.join(outside, 'secret.tfvars')] }, stack());
    const error = refusal(() =>
      checkStackFiles({ varFiles: [path.join(outside, 'secret.tfvars')], backendConfig: [] }, stack()),
    );
    expect(error.message).toMatch(/outside the repository/);
  });
});

describe('backendSecrets', () => {
  it('takes the credentials of backend settings, and leaves names, flags and paths readable', () => {
    expect(
      backendSecrets([
        'bucket=acme-tfstate',
        'key=prod/terraform.tfstate',
        'schema_name=prod_app',
        'skip_credentials_validation=true',
        'access_key=AKIAEXAMPLE123',
        'sas_token=?sv=2024&sig=abc%2Fdef',
        'conn_str=postgres://terraform:p%40ss-W0rd@db.internal/tfstate_prod?sslmode=require',
        "conn_str=host=db user=terraform password='Lib pq-Pw' dbname=x",
        'backend.hcl',
      ]),
    ).toEqual(['AKIAEXAMPLE123', '?sv=2024&sig=abc%2Fdef', 'p%40ss-W0rd', 'p@ss-W0rd', 'Lib pq-Pw']);
  });
});
