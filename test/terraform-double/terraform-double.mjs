// A stand-in for the `terraform` and `tofu` executables in tests: it answers
// from a fixture scenario (real OpenTofu outputs) with the tools' exit codes,
// texts and file side effects. Plain JavaScript run by the Node of the tests,
// so it needs no type stripping. The knobs are TF_DOUBLE_* variables; see
// README.md.

import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import * as messages from './messages.mjs';
import * as scenarios from './scenario.mjs';

const env = process.env;
const tool = env.TF_DOUBLE_TOOL === 'tofu' ? 'tofu' : 'terraform';
const version = env.TF_DOUBLE_VERSION || (tool === 'tofu' ? '1.8.8' : '1.9.8');
const inAutomation = Boolean(env.TF_IN_AUTOMATION);

// Which flags each command accepts, as Go's flag package sees them: a `bool`
// is `-name` or `-name=false`; a `value` is `-name=v` or `-name v`; `multi`
// may repeat.
const COMMON = { 'no-color': 'bool' };
const FLAGS = {
  init: {
    input: 'bool',
    'backend-config': 'multi',
    backend: 'bool',
    upgrade: 'bool',
    reconfigure: 'bool',
    'migrate-state': 'bool',
    'force-copy': 'bool',
    get: 'bool',
    lock: 'bool',
    'lock-timeout': 'value',
    lockfile: 'value',
    'plugin-dir': 'multi',
    var: 'multi',
    'var-file': 'multi',
  },
  validate: { json: 'bool' },
  plan: {
    out: 'value',
    'detailed-exitcode': 'bool',
    input: 'bool',
    lock: 'bool',
    'lock-timeout': 'value',
    var: 'multi',
    'var-file': 'multi',
    target: 'multi',
    replace: 'multi',
    destroy: 'bool',
    'refresh-only': 'bool',
    refresh: 'bool',
    parallelism: 'value',
    'compact-warnings': 'bool',
  },
  apply: {
    input: 'bool',
    lock: 'bool',
    'lock-timeout': 'value',
    'auto-approve': 'bool',
    parallelism: 'value',
    'compact-warnings': 'bool',
    json: 'bool',
  },
  show: { json: 'bool' },
  output: { json: 'bool', raw: 'bool' },
  version: { json: 'bool' },
  'workspace show': {},
  'workspace list': {},
  'workspace select': { 'or-create': 'bool' },
  'workspace new': { lock: 'bool', 'lock-timeout': 'value' },
  'state pull': {},
};

class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

function out(text) {
  process.stdout.write(text);
}

function fail(diagnostic, flags) {
  process.stderr.write(messages.renderDiagnostic(diagnostic, { color: !flags?.['no-color'] }));
  throw new Exit(1);
}

/** A misuse of the double itself (not something the real tool would say). */
function doubleError(text) {
  process.stderr.write(`terraform double: ${text}\n`);
  throw new Exit(1);
}

function parseFlags(command, args) {
  const spec = { ...COMMON, ...FLAGS[command] };
  const flags = {};
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      // Go's flag package stops at the first argument that is not a flag.
      positional.push(...args.slice(i));
      break;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const kind = spec[name];
    if (!kind) fail(messages.flagError(tool, command, `flag provided but not defined: -${name}`), flags);
    if (kind === 'bool') {
      const text = eq === -1 ? 'true' : body.slice(eq + 1);
      if (!/^(1|0|t|f|true|false|TRUE|FALSE|True|False)$/.test(text)) {
        fail(messages.flagError(tool, command, `invalid boolean value "${text}" for -${name}: parse error`), flags);
      }
      flags[name] = /^(1|t|true)$/i.test(text);
      continue;
    }
    let value;
    if (eq !== -1) value = body.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i];
    else fail(messages.flagError(tool, command, `flag needs an argument: -${name}`), flags);
    if (kind === 'multi') (flags[name] ??= []).push(value);
    else flags[name] = value;
  }
  return { flags, positional };
}

/** Go's time.ParseDuration, for -lock-timeout. */
function parseGoDuration(text) {
  if (text === '0') return 0;
  const units = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]];
    at = part.lastIndex;
  }
  return text ? total : undefined;
}

function scenarioFromEnv() {
  const dir = env.TF_DOUBLE_SCENARIO;
  if (!dir) doubleError('set TF_DOUBLE_SCENARIO to a scenario directory (plan, plan.json, apply.json, state.json)');
  return scenarios.loadScenario(dir);
}

// --- working directory state, where Terraform keeps it ---------------------

/** Terraform's data directory: TF_DATA_DIR (relative to the working directory), else `.terraform`. */
function dataDir(cwd) {
  return env.TF_DATA_DIR ? path.resolve(cwd, env.TF_DATA_DIR) : path.join(cwd, '.terraform');
}

function currentWorkspace(cwd) {
  if (env.TF_WORKSPACE) return env.TF_WORKSPACE;
  const file = path.join(dataDir(cwd), 'environment');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || 'default' : 'default';
}

function workspaces(cwd) {
  const dir = path.join(cwd, 'terraform.tfstate.d');
  const named = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort()
    : [];
  return ['default', ...named.filter((n) => n !== 'default')];
}

function selectWorkspace(cwd, name) {
  mkdirSync(dataDir(cwd), { recursive: true });
  writeFileSync(path.join(dataDir(cwd), 'environment'), name);
}

function statePath(cwd) {
  const workspace = currentWorkspace(cwd);
  return workspace === 'default' ? 'terraform.tfstate' : `terraform.tfstate.d/${workspace}/terraform.tfstate`;
}

function platform() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' }[process.arch] ?? process.arch;
  return `${os}_${arch}`;
}

function requireInit(cwd, flags) {
  if (existsSync(path.join(dataDir(cwd), 'providers'))) return;
  const scenario = env.TF_DOUBLE_SCENARIO ? scenarioFromEnv() : undefined;
  const providers = scenario ? scenarios.providersOf(scenario.plan, tool) : [];
  fail(messages.notInitialized(tool, providers), flags);
}

function requireVarFiles(cwd, flags) {
  for (const file of flags['var-file'] ?? []) {
    if (!existsSync(path.resolve(cwd, file))) fail(messages.variablesFileMissing(file), flags);
  }
}

// A held lock. TF_DOUBLE_LOCK=held holds it for every call;
// held-for:<n> for the first n calls that take the lock, counted in a file.
function lockIsHeld(cwd) {
  const setting = env.TF_DOUBLE_LOCK ?? '';
  if (setting === '' || setting === 'free') return false;
  if (setting === 'held') return true;
  const match = /^held-for:(\d+)$/.exec(setting);
  if (!match) doubleError(`TF_DOUBLE_LOCK must be held or held-for:<n> (got '${setting}')`);
  const home = env.TF_DOUBLE_HOME || path.join(cwd, '.terraform');
  mkdirSync(home, { recursive: true });
  const counter = path.join(home, 'lock-attempts');
  const attempts = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
  writeFileSync(counter, String(attempts));
  return attempts <= Number(match[1]);
}

async function acquireLock(cwd, flags, subcommand) {
  if (flags.lock === false || !lockIsHeld(cwd)) return;
  const timeoutText = flags['lock-timeout'] ?? '0s';
  const timeoutMs = parseGoDuration(timeoutText);
  if (timeoutMs === undefined) {
    fail(
      messages.flagError(tool, subcommand, `invalid value "${timeoutText}" for flag -lock-timeout: parse error`),
      flags,
    );
  }
  // Terraform retries until the timeout and says so once it takes longer than 400ms.
  if (timeoutMs >= 400) out(`${messages.ACQUIRING_LOCK}\n`);
  await sleep(timeoutMs);
  fail(
    messages.lockErrorDiagnostic(tool, {
      errorMessage: 'resource temporarily unavailable',
      id: env.TF_DOUBLE_LOCK_ID || '9db590f1-b6fe-c5f2-2678-8804f089deba',
      path: statePath(cwd),
      operation: 'OperationTypeApply',
      who: env.TF_DOUBLE_LOCK_WHO || 'runner@fv-az1024-33',
      version,
      created: '2024-05-14 09:21:07.482311 +0000 UTC',
      info: '',
    }),
    flags,
  );
}

// --- commands ----------------------------------------------------------------

async function version_(args) {
  const { flags } = parseFlags('version', args);
  const lockFile = path.join(process.cwd(), '.terraform.lock.hcl');
  const selections = {};
  if (existsSync(lockFile)) {
    for (const m of readFileSync(lockFile, 'utf8').matchAll(/provider "([^"]+)" \{\n\s+version\s+= "([^"]+)"/g)) {
      selections[m[1]] = m[2];
    }
  }
  if (flags.json) {
    const doc = { terraform_version: version, platform: platform(), provider_selections: selections };
    if (tool === 'terraform') doc.terraform_outdated = false;
    out(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  out(`${messages.product(tool).name} v${version}\non ${platform()}\n`);
  for (const [address, v] of Object.entries(selections).sort()) out(`+ provider ${address} v${v}\n`);
  return 0;
}

async function init(args, cwd) {
  const { flags } = parseFlags('init', args);
  const backend = env.TF_DOUBLE_BACKEND || 'local';
  out(messages.initBackend(tool, backend));
  for (const item of flags['backend-config'] ?? []) {
    // As Terraform decides: without `=` the value names a file.
    if (!item.includes('=') && !existsSync(path.resolve(cwd, item))) fail(messages.failedToReadFile(item), flags);
  }
  const scenario = env.TF_DOUBLE_SCENARIO ? scenarioFromEnv() : undefined;
  const providers = scenario ? scenarios.providersOf(scenario.plan, tool) : [];
  const cacheDir = env.TF_PLUGIN_CACHE_DIR;
  const cached = (p) => cacheDir && existsSync(path.join(cacheDir, p.address, p.version, platform()));
  out(messages.initProviders(tool, providers, providers.length && providers.every(cached) ? 'hit' : 'miss'));
  for (const p of providers) {
    mkdirSync(path.join(dataDir(cwd), 'providers', p.address, p.version, platform()), { recursive: true });
    if (cacheDir) mkdirSync(path.join(cacheDir, p.address, p.version, platform()), { recursive: true });
  }
  mkdirSync(path.join(dataDir(cwd), 'providers'), { recursive: true });
  writeBackendState(cwd, backend, flags['backend-config'] ?? []);
  const lockFile = path.join(cwd, '.terraform.lock.hcl');
  if (providers.length && (!existsSync(lockFile) || flags.upgrade)) {
    const created = !existsSync(lockFile);
    writeFileSync(lockFile, lockFileText(providers));
    if (created) out(messages.initLockFileCreated(tool));
  }
  out(messages.initSuccess(tool, inAutomation));
  return 0;
}

// As Terraform does, init keeps the backend's settings, as given (credentials
// included), in `<data dir>/terraform.tfstate`, readable by all (0644).
function writeBackendState(cwd, type, items) {
  const config = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq !== -1) {
      config[item.slice(0, eq)] = item.slice(eq + 1);
      continue;
    }
    const text = readFileSync(path.resolve(cwd, item), 'utf8');
    for (const match of text.matchAll(/^\s*([A-Za-z_][\w-]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/gm)) {
      config[match[1]] = JSON.parse(`"${match[2].replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')}"`);
    }
  }
  const state = { version: 3, terraform_version: version, backend: { type, config, hash: 1 } };
  writeFileSync(path.join(dataDir(cwd), 'terraform.tfstate'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
}

function lockFileText(providers) {
  const header =
    '# This file is maintained automatically by "tofu init".\n# Manual edits may be lost in future updates.\n';
  const blocks = providers.map(
    (p) =>
      `\nprovider "${p.address}" {\n  version     = "${p.version}"\n${p.constraint ? `  constraints = "${p.constraint}"\n` : ''}  hashes = [\n    "h1:${scenarios.digest(p.address + p.version).slice(0, 43)}=",\n  ]\n}\n`,
  );
  return (tool === 'terraform' ? header.replace('tofu', 'terraform') : header) + blocks.join('');
}

async function workspace(sub, args, cwd) {
  const command = `workspace ${sub}`;
  if (!FLAGS[command]) {
    doubleError(`workspace ${sub ?? ''} is not simulated (show, list, select, new are)`);
  }
  const { flags, positional } = parseFlags(command, args);
  const current = currentWorkspace(cwd);
  if (sub === 'show') {
    out(`${current}\n`);
    return 0;
  }
  if (sub === 'list') {
    out(
      `${workspaces(cwd)
        .map((w) => `${w === current ? '*' : ' '} ${w}`)
        .join('\n')}\n\n`,
    );
    return 0;
  }
  const [name] = positional;
  if (!name) doubleError(`workspace ${sub} needs a NAME`);
  // validWorkspaceName: the name must survive url.PathEscape unchanged.
  if (!/^[A-Za-z0-9\-_.~$&+:=@]+$/.test(name)) {
    return workspaceError(messages.workspaceInvalidName(tool, name), flags);
  }
  const exists = workspaces(cwd).includes(name);
  if (sub === 'select') {
    if (!exists && !flags['or-create']) return workspaceError(messages.workspaceDoesNotExist(tool, name), flags);
    if (!exists) createWorkspace(cwd, name);
    selectWorkspace(cwd, name);
    out(messages.workspaceChanged(name));
    return 0;
  }
  if (exists) return workspaceError(messages.workspaceAlreadyExists(tool, name), flags);
  createWorkspace(cwd, name);
  selectWorkspace(cwd, name);
  out(messages.workspaceCreated(tool, name));
  return 0;
}

function createWorkspace(cwd, name) {
  mkdirSync(path.join(cwd, 'terraform.tfstate.d', name), { recursive: true });
}

// Terraform prints these through its legacy UI as plain text; OpenTofu as diagnostics.
function workspaceError(message, flags) {
  if (message.diagnostic) fail(message.diagnostic, flags);
  process.stderr.write(message.text);
  return 1;
}

async function validate(args, cwd) {
  const { flags } = parseFlags('validate', args);
  requireInit(cwd, flags);
  const text = env.TF_DOUBLE_VALIDATE ? readFileSync(env.TF_DOUBLE_VALIDATE, 'utf8') : messages.VALID_CONFIGURATION;
  const result = JSON.parse(text);
  if (flags.json) {
    out(scenarios.ensureNewline(text));
    return result.valid ? 0 : 1;
  }
  for (const diagnostic of result.diagnostics) {
    process.stderr.write(messages.renderDiagnostic(diagnostic, { color: !flags['no-color'] }));
  }
  if (result.valid) out('Success! The configuration is valid.\n\n');
  return result.valid ? 0 : 1;
}

async function plan(args, cwd) {
  const { flags } = parseFlags('plan', args);
  if (flags.destroy && flags['refresh-only']) {
    fail(
      {
        severity: 'error',
        summary: 'Incompatible plan mode options',
        detail: 'The -destroy and -refresh-only options are mutually exclusive.',
      },
      flags,
    );
  }
  const mode = flags.destroy ? 'destroy' : flags['refresh-only'] ? 'refresh-only' : 'normal';
  requireInit(cwd, flags);
  requireVarFiles(cwd, flags);
  const scenario = scenarioFromEnv();
  await acquireLock(cwd, flags, 'plan');
  if (env.TF_DOUBLE_PLAN_ERROR === '1') fail(messages.UNDECLARED_RESOURCE, flags);
  const quoted = /^quote:(\w+)$/.exec(env.TF_DOUBLE_PLAN_ERROR ?? '');
  if (quoted) fail(messages.valueQuotingError(quoted[1], variableValue(cwd, flags, quoted[1])), flags);
  if (flags.out) {
    const target = path.resolve(cwd, flags.out);
    if (!existsSync(path.dirname(target))) {
      fail(messages.planFileNotWritable(flags.out, `open ${flags.out}: no such file or directory`), flags);
    }
    const record = {
      scenario: scenario.dir,
      planJsonSha256: scenarios.digest(scenario.planJsonText),
      mode,
      workspace: currentWorkspace(cwd),
      tool,
      version,
      targets: flags.target ?? [],
      replace: flags.replace ?? [],
      createdAt: new Date().toISOString(),
    };
    writeFileSync(target, scenarios.encodePlanFile(record));
  }
  out(scenarios.planOutput(scenario, { tool, out: flags.out, inAutomation }));
  const changes = scenarios.planHasChanges(scenario.plan, mode);
  return flags['detailed-exitcode'] && changes ? 2 : 0;
}

/** A variable's value as Terraform would see it: the last -var-file that sets it, else TF_VAR_<name>. */
function variableValue(cwd, flags, name) {
  let value = env[`TF_VAR_${name}`];
  for (const file of flags['var-file'] ?? []) {
    const text = readFileSync(path.resolve(cwd, file), 'utf8');
    if (!file.endsWith('.json')) continue;
    const vars = JSON.parse(text);
    if (name in vars) value = String(vars[name]);
  }
  if (value === undefined) doubleError(`TF_DOUBLE_PLAN_ERROR=quote:${name}, but no variable ${name} was given`);
  return value;
}

function readPlanFile(cwd, file, flags) {
  const target = path.resolve(cwd, file);
  const record = existsSync(target) ? scenarios.decodePlanFile(readFileSync(target)) : undefined;
  if (!record) fail(messages.unreadablePlanFile(file), flags);
  return { record, scenario: scenarios.loadScenario(record.scenario) };
}

async function show(args, cwd) {
  const { flags, positional } = parseFlags('show', args);
  const [file] = positional;
  if (file) {
    const { scenario } = readPlanFile(cwd, file, flags);
    out(flags.json ? scenarios.ensureNewline(scenario.planJsonText) : scenarios.showPlanOutput(scenario, { tool }));
    return 0;
  }
  const scenario = scenarioFromEnv();
  if (flags.json) out(scenarios.ensureNewline(scenario.stateJsonText ?? '{"format_version":"1.0"}'));
  else out(scenario.stateText ? scenarios.ensureNewline(scenario.stateText) : 'No state.\n');
  return 0;
}

async function apply(args, cwd) {
  const { flags, positional } = parseFlags('apply', args);
  const [file] = positional;
  if (!file && !flags['auto-approve']) {
    doubleError('apply without a plan file needs -auto-approve (interactive approval is not simulated)');
  }
  requireInit(cwd, flags);
  const scenario = file ? readPlanFile(cwd, file, flags).scenario : scenarioFromEnv();
  await acquireLock(cwd, flags, 'apply');
  if (flags.json) {
    const { name } = messages.product(tool);
    const module = `${tool}.ui`;
    const stamp = () => new Date().toISOString();
    out(
      `${JSON.stringify({ '@level': 'info', '@message': `${name} ${version}`, '@module': module, '@timestamp': stamp(), terraform: version, type: 'version', ui: '1.2' })}\n`,
    );
    for (const entry of scenario.applyLog) {
      out(`${JSON.stringify({ ...entry, '@module': module, '@timestamp': stamp() })}\n`);
    }
    return 0;
  }
  out(applyHumanOutput(scenario.applyLog));
  return 0;
}

function applyHumanOutput(log) {
  let text = '';
  for (const entry of log) {
    if (['apply_start', 'apply_complete', 'refresh_start', 'provision_start', 'resource_drift'].includes(entry.type)) {
      text += `${entry['@message']}\n`;
    } else if (entry.type === 'change_summary') {
      text += `\n${entry['@message']}\n`;
    } else if (entry.type === 'outputs' && Object.keys(entry.outputs).length) {
      text += '\nOutputs:\n\n';
      for (const name of Object.keys(entry.outputs).sort()) {
        const o = entry.outputs[name];
        text += `${name} = ${o.sensitive ? '<sensitive>' : JSON.stringify(o.value, null, 2)}\n`;
      }
    }
  }
  return text;
}

async function state(sub, args) {
  if (sub !== 'pull') doubleError(`state ${sub ?? ''} is not simulated (pull is)`);
  parseFlags('state pull', args);
  out(scenarios.rawState(scenarioFromEnv(), version));
  return 0;
}

async function output(args) {
  const { flags, positional } = parseFlags('output', args);
  const outputs = scenarios.outputsOf(scenarioFromEnv());
  const [name] = positional;
  if (name) {
    if (!(name in outputs)) {
      fail(
        {
          severity: 'error',
          summary: `Output "${name}" not found`,
          detail: `The output variable requested could not be found in the state file. If you recently added this to your configuration, be sure to run \`${messages.product(tool).command} apply\`, since the state won't be updated with new output variables until that command is run.`,
        },
        flags,
      );
    }
    const value = outputs[name].value;
    out(flags.raw && typeof value === 'string' ? value : `${JSON.stringify(value)}\n`);
    return 0;
  }
  if (flags.json) {
    out(`${JSON.stringify(outputs, null, 2)}\n`);
    return 0;
  }
  for (const [key, o] of Object.entries(outputs)) {
    out(`${key} = ${o.sensitive ? '<sensitive>' : JSON.stringify(o.value, null, 2)}\n`);
  }
  return 0;
}

// --- the call log ------------------------------------------------------------

// One JSON line per invocation, written first so that a test sees a call even
// when the command then fails or hangs. Files passed with -var-file and
// -backend-config are recorded with their permissions and content, because
// the runner deletes them right after the command.
function logCall(args, cwd) {
  if (!env.TF_DOUBLE_LOG) return;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^--?(var-file|backend-config)(?:=(.*))?$/.exec(args[i]);
    if (!match) continue;
    const value = match[2] ?? args[i + 1];
    if (value === undefined || (match[1] === 'backend-config' && value.includes('='))) continue;
    const file = path.resolve(cwd, value);
    const exists = existsSync(file);
    files.push({
      flag: `-${match[1]}`,
      path: value,
      exists,
      mode: exists ? (statSync(file).mode & 0o777).toString(8) : undefined,
      content: exists ? readFileSync(file, 'utf8') : undefined,
    });
  }
  const selectedEnv = Object.fromEntries(
    Object.entries(env).filter(([k]) => k.startsWith('TF_') && !k.startsWith('TF_DOUBLE_') && !k.startsWith('TF_VAR_')),
  );
  const record = {
    tool,
    argv: args,
    cwd,
    env: selectedEnv,
    tfVarNames: Object.keys(env).filter((k) => k.startsWith('TF_VAR_')),
    envNames: Object.keys(env).sort(),
    files,
    time: new Date().toISOString(),
  };
  appendFileSync(env.TF_DOUBLE_LOG, `${JSON.stringify(record)}\n`);
}

// TF_DOUBLE_HANG=<command>: the command never ends, and neither does a child
// it starts (a provider plugin, say); both pids go to <home>/hung.jsonl so
// that a test can check a time limit ended the whole tree.
async function hang(command) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
  if (env.TF_DOUBLE_HOME) {
    appendFileSync(
      path.join(env.TF_DOUBLE_HOME, 'hung.jsonl'),
      `${JSON.stringify({ command, pid: process.pid, childPid: child.pid })}\n`,
    );
  }
  out(`${command}: waiting...\n`);
  await new Promise(() => setInterval(() => {}, 60_000));
}

// A stack directory may hold a `.double-env` file of TF_DOUBLE_* knobs
// (`KEY=VALUE` lines) that override the environment for commands run there,
// so that the stacks of one process (drift-detect's) can have different
// outcomes. The tool and version are fixed per process and not read from it.
function applyDirectoryKnobs(cwd) {
  const file = path.join(cwd, '.double-env');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*(TF_DOUBLE_[A-Z_]+)=(.*)$/.exec(line);
    if (match && match[1] !== 'TF_DOUBLE_TOOL' && match[1] !== 'TF_DOUBLE_VERSION') env[match[1]] = match[2].trim();
  }
}

async function main(argv) {
  let args = [...argv];
  let cwd = process.cwd();
  // Global options come before the subcommand.
  while (args[0]?.startsWith('-')) {
    const arg = args.shift();
    const chdir = /^--?chdir=(.+)$/.exec(arg);
    if (chdir) cwd = path.resolve(cwd, chdir[1]);
    else if (/^--?(v|version)$/.test(arg)) args = ['version', ...args];
    else doubleError(`global option ${arg} is not simulated`);
  }
  applyDirectoryKnobs(cwd);
  logCall(argv, cwd);
  const delay = Number(env.TF_DOUBLE_DELAY_MS || 0);
  if (delay > 0) await sleep(delay);
  const [command, ...rest] = args;
  if (env.TF_DOUBLE_HANG && env.TF_DOUBLE_HANG === command) await hang(command);
  switch (command) {
    case 'version':
      return version_(rest);
    case 'init':
      return init(rest, cwd);
    case 'workspace':
      return workspace(rest[0], rest.slice(1), cwd);
    case 'validate':
      return validate(rest, cwd);
    case 'plan':
      return plan(rest, cwd);
    case 'show':
      return show(rest, cwd);
    case 'apply':
      return apply(rest, cwd);
    case 'state':
      return state(rest[0], rest.slice(1));
    case 'output':
      return output(rest);
    default:
      process.stderr.write(messages.noCommand(tool, command ?? ''));
      return 1;
  }
}

// A reader that stops early (`| head`) ends the output, as it does for the real tool.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof Exit) process.exitCode = error.code;
  else throw error;
}
