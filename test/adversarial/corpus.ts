import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { secretParts, type SecretValue } from './leaks.ts';

// The secret corpus of the adversarial tier: one value of each kind of secret
// the suite handles, fresh for each test file (random, so that a value found
// anywhere can only come from this file's runs). Values carry the characters
// that make their encodings differ from them (`/`, `+`, `=`, `:`, quotes), so
// that a search for the URL-encoded or JSON-escaped form is not the raw search
// again.

export interface Secret extends SecretValue {
  /** Short name used in reports, e.g. `registry-password`. */
  id: string;
  /** What it stands for, and how the tests give it to the action. */
  about: string;
}

/** A random token of `bytes` bytes, URL-safe. */
export function token(bytes = 12): string {
  return randomBytes(bytes).toString('base64url');
}

function secret(id: string, value: string, about: string, parts?: string[]): Secret {
  return { id, value, about, ...(parts ? { parts } : {}) };
}

export interface Corpus {
  // Registries (docker-publish)
  registryPassword: Secret;
  /** A multi-line password, as GCR's `_json_key` login takes a service account key. */
  registryPasswordMultiline: Secret;
  /** The password inside an ECR authorization token (`base64("AWS:" + password)`). */
  ecrPassword: Secret;
  // Ansible (ansible-deploy)
  sshKey: Secret;
  vaultPassword: Secret;
  // Terraform (tf-plan, tf-apply, drift-detect)
  /** `db_password`, declared `sensitive = true`, given through `variables`. */
  tfSensitive: Secret;
  /** `api_key`, not marked sensitive, given through `variables`; reaches text through urlencode, base64encode, tonumber and a local-exec provisioner. */
  tfUnmarked: Secret;
  /** `env_token`, not marked sensitive, given as TF_VAR_env_token in the step's environment. */
  tfEnv: Secret;
  /** The value of a non-sensitive output named `db_password`, a literal of the configuration. */
  tfOutputByName: Secret;
  /** The value of a sensitive output, a literal of the configuration wrapped in sensitive(). */
  tfSensitiveOutput: Secret;
  /** The http backend's password, given as `backend-config: password=…`. */
  backendPassword: Secret;
  /** `plan-encryption-key`. */
  planKey: Secret;
  // GitHub and the runner
  /** `github-token` (`${{ github.token }}`). */
  githubToken: Secret;
  /** ACTIONS_RUNTIME_TOKEN in the step's environment (a child must never get it). */
  runtimeToken: Secret;
  /** The token in a notify-webhook URL's path (drift-detect). */
  webhookToken: Secret;
  // HTTP (smoke-test)
  /** The value of an `Authorization` header given in `headers` / a check's headers. */
  authHeader: Secret;
  /** A URL's userinfo password: `http://user:<password>@host/`. */
  urlPassword: Secret;
  /** A token given as a URL's user name: `http://<token>@host/`. */
  urlToken: Secret;
  // Values starting with YAML indicators, given unquoted in YAML inputs.
  yamlAlias: Secret;
  yamlTag: Secret;
  yamlAnchor: Secret;
  yamlSequence: Secret;
  yamlFlow: Secret;
}

/** The YAML-indicator secrets, for the inputs that take YAML. */
export function yamlIndicatorSecrets(corpus: Corpus): Secret[] {
  return [corpus.yamlAlias, corpus.yamlTag, corpus.yamlAnchor, corpus.yamlSequence, corpus.yamlFlow];
}

export function allSecrets(corpus: Corpus): Secret[] {
  return Object.values(corpus) as Secret[];
}

/** A fresh SSH private key made by ssh-keygen (ed25519, OpenSSH format). */
export async function generateSshKey(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'adv-key-'));
  try {
    const file = path.join(dir, 'key');
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'adversarial', '-f', file]);
    return await readFile(file, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The parts of an OpenSSH private key that are secret on their own: the
 * base64 lines of its body, but the first, which is the same in every
 * unencrypted ed25519 key (`openssh-key-v1`, cipher and KDF `none`).
 */
export function sshKeySecret(key: string, about: string): Secret {
  return secret('ssh-private-key', key, about, secretParts(key).slice(1));
}

/** Values starting with a YAML indicator; the random core after it is secret on its own (an anchor's name, a tag). */
function yamlSecrets(): Pick<Corpus, 'yamlAlias' | 'yamlTag' | 'yamlAnchor' | 'yamlSequence' | 'yamlFlow'> {
  const indicator = (id: string, prefix: string, suffix: string, about: string) => {
    const core = `${id.slice(5, 7)}${token()}`;
    return secret(id, `${prefix}${core}${suffix}`, about, [core]);
  };
  return {
    yamlAlias: indicator('yaml-alias', '*', '', 'a value starting with `*`, unquoted in YAML'),
    yamlTag: indicator('yaml-tag', '!', '', 'a value starting with `!`, unquoted in YAML'),
    yamlAnchor: indicator('yaml-anchor', '&', ' tail', 'a value starting with `&`, unquoted in YAML'),
    yamlSequence: indicator('yaml-sequence', '- ', '', 'a value starting with `- `, unquoted in YAML'),
    yamlFlow: indicator('yaml-flow', '{', '', 'a value starting with `{`, unquoted in YAML'),
  };
}

export async function makeCorpus(options: { sshKey?: string } = {}): Promise<Corpus> {
  const key = options.sshKey ?? (await generateSshKey());
  return {
    registryPassword: secret('registry-password', `rp+/${token()}=`, '`registry-password` of docker-publish'),
    registryPasswordMultiline: secret(
      'registry-password-multiline',
      [
        '{',
        `  "private_key_id": "${token(16)}",`,
        `  "private_key": "-----BEGIN PRIVATE KEY-----\\n${token(24)}\\n-----END PRIVATE KEY-----\\n",`,
        `  "client_email": "ci-${token(6)}@example.iam.gserviceaccount.com"`,
        '}',
      ].join('\n'),
      'a multi-line `registry-password` (a JSON service account key)',
    ),
    ecrPassword: secret('ecr-password', `ecr${token(24)}`, 'the password in the ECR API fake’s authorization token'),
    sshKey: sshKeySecret(key, '`private-key` of ansible-deploy (ssh-keygen, ed25519)'),
    vaultPassword: secret('vault-password', `vault "pw" ${token()}`, '`vault-password` of ansible-deploy'),
    tfSensitive: secret('tf-sensitive', `Pw"q\\${token()}/+`, 'var.db_password (sensitive), given in `variables`'),
    tfUnmarked: secret('tf-unmarked', `ak:${token()}/x+y=z`, 'var.api_key (not sensitive), given in `variables`'),
    tfEnv: secret('tf-var-env', `et:${token()}/+=`, 'var.env_token (not sensitive), given as TF_VAR_env_token'),
    tfOutputByName: secret('tf-output-by-name', `lp-${token()}`, 'output db_password (not sensitive), a literal'),
    tfSensitiveOutput: secret('tf-sensitive-output', `so-${token()}`, 'a sensitive output, a literal'),
    backendPassword: secret('backend-password', `bp-${token()}!`, '`backend-config: password=…` (http backend)'),
    planKey: secret('plan-encryption-key', `pk-${token(16)}`, '`plan-encryption-key`'),
    githubToken: secret('github-token', `ghs_${token(27)}`, '`github-token`, the job token'),
    runtimeToken: secret('runtime-token', `eyJ0eXAiOiJKV1Qi.${token(24)}.${token(16)}`, 'ACTIONS_RUNTIME_TOKEN'),
    webhookToken: secret('webhook-token', `wh${token()}`, 'the token in the `notify-webhook` URL'),
    authHeader: secret('auth-header', `Bearer ah.${token()}/+=`, 'an Authorization header value'),
    urlPassword: secret('url-password', `up${token()}`, "a URL's userinfo password"),
    urlToken: secret('url-token', `ut${token()}`, "a token as a URL's user name"),
    ...yamlSecrets(),
  };
}
