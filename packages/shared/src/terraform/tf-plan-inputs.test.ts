import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ActionError } from '../action/action-error.ts';
import { useEnv } from '../../../../test/process-env.ts';
import { readTfPlanSettings } from './tf-plan-inputs.ts';

let repo: string;
beforeAll(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'tf-plan-inputs-'));
  await mkdir(path.join(repo, 'infra'));
  await writeFile(path.join(repo, 'infra', 'main.tf'), '');
});
afterAll(() => rm(repo, { recursive: true, force: true }));

function read(t: TestContext, values: Record<string, string>) {
  useEnv(t, {
    GITHUB_WORKSPACE: repo,
    'INPUT_WORKING-DIRECTORY': 'infra',
    ...Object.fromEntries(Object.entries(values).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  });
  return readTfPlanSettings().settings;
}

describe('targets and replace', () => {
  it('take resource addresses, with module paths and indexes; targets also a module', (t) => {
    const settings = read(t, {
      targets: 'aws_instance.web\nmodule.db.aws_db_instance.main[0]\nmodule.net["eu"]\ndata.aws_ami.base',
      replace: 'module.app[1].terraform_data.x["a b"]',
    });
    expect(settings.targets).toHaveLength(4);
    expect(settings.replace).toEqual(['module.app[1].terraform_data.x["a b"]']);
  });

  it.for([
    ['targets', 'aws_instance.web; rm -rf /'],
    ['targets', '-destroy'],
    ['targets', 'aws_instance'],
    ['replace', 'module.db'],
    ['replace', 'aws_instance.web[0'],
  ] as const)('refuse %s %j before anything runs', ([name, value], t) => {
    try {
      read(t, { [name]: value });
      expect.unreachable('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ActionError);
      expect((error as ActionError).reason).toBe('invalid-input');
      expect((error as ActionError).message).toMatch(new RegExp(`^Input '${name}' line 1 is not a resource address`));
    }
  });
});
