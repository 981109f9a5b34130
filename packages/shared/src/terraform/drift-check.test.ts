import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OPENTOFU_FIXTURES } from '../../../../test/fixtures.ts';
import type { CommandRunner } from '../util/command.ts';
import { checkStack, driftedResources, driftWorkDir, hasDrift, type DriftCheckSettings } from './drift-check.ts';
import type { JsonPlan } from './plan-types.ts';

const fixture = (name: string) => readFileSync(path.join(OPENTOFU_FIXTURES, name), 'utf8');
const DRIFT_PLAN = fixture('equivalence/drift_refresh_only/plan.json');
const NO_DRIFT_PLAN = JSON.stringify({ format_version: '1.2', resource_changes: [], resource_drift: [] });

describe('driftedResources', () => {
  it('lists each resource changed outside Terraform with the attributes that changed', () => {
    assert.deepEqual(driftedResources(JSON.parse(fixture('show-json/drift.json')) as JsonPlan), [
      { address: 'test_instance.should_refresh', change: 'changed', attributes: ['ami'] },
    ]);
    assert.deepEqual(driftedResources(JSON.parse(DRIFT_PLAN) as JsonPlan), [
      { address: 'tfcoremock_simple_resource.drift', change: 'changed', attributes: ['string'] },
    ]);
  });

  it('says deleted for a resource gone, and leaves out no-ops', () => {
    const change = (actions: string[], before: unknown, after: unknown) => ({ actions, before, after });
    const plan = {
      format_version: '1.2',
      resource_drift: [
        {
          address: 'b.gone',
          mode: 'managed',
          type: 'b',
          name: 'gone',
          provider_name: 'p',
          change: change(['delete'], { id: 'x' }, null),
        },
        {
          address: 'a.same',
          mode: 'managed',
          type: 'a',
          name: 'same',
          provider_name: 'p',
          change: change(['no-op'], {}, {}),
        },
      ],
    } as JsonPlan;
    assert.deepEqual(driftedResources(plan), [{ address: 'b.gone', change: 'deleted', attributes: [] }]);
  });
});

describe('hasDrift', () => {
  const summary = (hasChanges: boolean) =>
    ({ hasChanges, drift: [], resources: [], outputs: [], errored: false, counts: {} }) as never;
  it('is drift when resources changed outside, the refresh-only plan has changes, or (full) the plan has changes', () => {
    const resource = { address: 'a.b', change: 'changed' as const, attributes: [] };
    assert.equal(hasDrift({ drifted: [] }), false);
    assert.equal(hasDrift({ drifted: [resource] }), true);
    assert.equal(hasDrift({ drifted: [], refreshOnly: { summary: summary(false), changes: true, text: '' } }), true);
    assert.equal(hasDrift({ drifted: [], full: { summary: summary(false), changes: false, text: '' } }), false);
    assert.equal(hasDrift({ drifted: [], full: { summary: summary(true), changes: true, text: '' } }), true);
  });
});

// One stack through a scripted CommandRunner: the commands, the masking, the
// isolation of a failure and the plan files.
describe('checkStack', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'drift-check-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const settings = (mode: 'refresh-only' | 'full'): DriftCheckSettings => ({
    tool: 'terraform',
    version: '1.9.8',
    mirrorUrl: '',
    backendConfig: [],
    varFiles: [],
    variables: { db_password: 'correct-horse-battery' },
    lockTimeout: 1_000,
    mode,
    maskPatterns: [],
  });
  const setup = async () => ({
    binaryPath: 'terraform',
    version: '1.9.8',
    source: 'path' as const,
    constraint: '1.9.8',
    constraintSource: 'test',
  });

  /** Answers like Terraform: plan prints `planText` and exits `planExit`; show -json prints `json`. */
  function scripted(answers: { planExit: number; planText: string; json: string; stderr?: string }) {
    const calls: string[][] = [];
    const exec =
      (log: NodeJS.WritableStream): CommandRunner =>
      async (_command, args, options) => {
        calls.push([...args]);
        if (options.echo) log.write(`echo of ${args[0]}\n`);
        if (args[0] === 'plan')
          return { exitCode: answers.planExit, stdout: answers.planText, stderr: answers.stderr ?? '' };
        if (args[0] === 'show') return { exitCode: 0, stdout: answers.json, stderr: '' };
        return { exitCode: 0, stdout: '', stderr: '' };
      };
    return { calls, exec };
  }

  it('finds drift with a refresh-only plan, masks the texts, and removes its plan files', async () => {
    const runnerTemp = await mkdtemp(path.join(root, 'temp-'));
    const { calls, exec } = scripted({ planExit: 2, planText: 'db is correct-horse-battery now\n', json: DRIFT_PLAN });
    const check = await checkStack(
      settings('refresh-only'),
      { workingDirectory: 'infra', workspace: 'default' },
      {
        workspaceRoot: root,
        runnerTemp,
        secrets: ['correct-horse-battery'],
        setup,
        exec,
      },
    );
    assert.equal(check.status, 'drifted');
    assert.deepEqual(
      check.drifted.map((d) => d.address),
      ['tfcoremock_simple_resource.drift'],
    );
    assert.deepEqual(
      calls.map((c) => c[0]),
      ['init', 'plan', 'show'],
    );
    assert.ok(calls[1]!.includes('-refresh-only') && calls[1]!.includes('-detailed-exitcode'));
    assert.equal(check.refreshOnly?.text, 'db is (sensitive value) now\n');
    assert.equal(check.full, undefined);
    assert.match(check.log, /==> init\necho of init\n==> workspace\n==> plan -refresh-only\n/);
    assert.ok(!check.log.includes('correct-horse-battery'));
    assert.deepEqual(await readdir(driftWorkDir(runnerTemp)), [], 'plan files removed');
  });

  it('plans again in full mode, and is clean when neither plan changes anything', async () => {
    const { calls, exec } = scripted({ planExit: 0, planText: 'No changes.\n', json: NO_DRIFT_PLAN });
    const check = await checkStack(
      settings('full'),
      { workingDirectory: 'infra', workspace: 'default' },
      {
        workspaceRoot: root,
        runnerTemp: await mkdtemp(path.join(root, 'temp-')),
        secrets: [],
        setup,
        exec,
      },
    );
    assert.equal(check.status, 'clean');
    assert.deepEqual(
      calls.map((c) => `${c[0]}${c.includes('-refresh-only') ? ' -refresh-only' : ''}`),
      ['init', 'plan -refresh-only', 'show', 'plan', 'show'],
    );
    assert.equal(check.full?.changes, false);
  });

  it('reports a failure as the stack result, masked, with the stage it failed at', async () => {
    const { exec } = scripted({
      planExit: 1,
      planText: '',
      json: '',
      stderr: 'Error: Invalid credentials\n\nthe key correct-horse-battery was refused\n',
    });
    const check = await checkStack(
      settings('refresh-only'),
      { workingDirectory: 'infra', workspace: 'default' },
      {
        workspaceRoot: root,
        runnerTemp: await mkdtemp(path.join(root, 'temp-')),
        secrets: ['correct-horse-battery'],
        setup,
        exec,
      },
    );
    assert.equal(check.status, 'errored');
    assert.deepEqual([check.failure?.stage, check.failure?.reason], ['plan -refresh-only', 'plan-failed']);
    assert.match(
      check.failure?.message ?? '',
      /^terraform plan failed: Invalid credentials\n[\s\S]*the key \(sensitive value\) was refused/,
    );
    assert.ok(!check.log.includes('correct-horse-battery'));
  });
});
