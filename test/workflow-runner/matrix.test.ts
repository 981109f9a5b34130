import { afterEach, describe, expect, test } from 'vitest';
import { expandStrategy } from './matrix.ts';
import { workflowWorld, type WorkflowWorld } from './test-world.ts';

// "Running variations of jobs in a workflow" (jobs.<job_id>.strategy.matrix,
// include, exclude, fail-fast, max-parallel) and GitHub's MatrixBuilder.

let world: WorkflowWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const WORKFLOW = '.github/workflows/ci.yml';

describe('matrix expansion', () => {
  test('include adds values to the combinations whose original values it does not overwrite, else a new combination', () => {
    // The documented example of "Example: Expanding configurations": "For each object in the
    // include list, the key:value pairs in the object will be added to each of the matrix
    // combinations if none of the key:value pairs overwrite any of the original matrix values. If
    // the object cannot be added to any of the matrix combinations, a new matrix combination
    // will be created instead. Note that the original matrix values will not be overwritten, but
    // added matrix values can be overwritten."
    const { legs } = expandStrategy(
      {
        matrix: {
          fruit: ['apple', 'pear'],
          animal: ['cat', 'dog'],
          include: [
            { color: 'green' },
            { color: 'pink', animal: 'cat' },
            { fruit: 'apple', shape: 'circle' },
            { fruit: 'banana' },
            { fruit: 'banana', animal: 'cat' },
          ],
        },
      },
      'job',
    );
    expect(legs.map((leg) => leg!.matrix)).toEqual([
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
  });

  test('exclude removes every combination it partially matches', () => {
    // "Example: Excluding configurations": "An excluded configuration only has to be a partial
    // match for it to be excluded."
    const { legs } = expandStrategy(
      {
        matrix: {
          os: ['macos-latest', 'windows-latest'],
          version: [12, 14, 16],
          environment: ['staging', 'production'],
          exclude: [
            { os: 'macos-latest', version: 12, environment: 'production' },
            { os: 'windows-latest', version: 16 },
          ],
        },
      },
      'job',
    );
    expect(legs).toHaveLength(9);
    expect(legs.map((leg) => leg!.segments.join(' '))).toEqual([
      'macos-latest 12 staging',
      'macos-latest 14 staging',
      'macos-latest 14 production',
      'macos-latest 16 staging',
      'macos-latest 16 production',
      'windows-latest 12 staging',
      'windows-latest 12 production',
      'windows-latest 14 staging',
      'windows-latest 14 production',
    ]);
  });

  test('an empty vector is an error, as GitHub reports it', () => {
    expect(() => expandStrategy({ matrix: { env: [] } }, 'deploy')).toThrow(
      "Error when evaluating 'strategy' for job 'deploy'. Matrix vector 'env' does not contain any values",
    );
  });
});

describe('matrix jobs', () => {
  test('one job per combination, named with its values, with the matrix and strategy contexts', async () => {
    // "A matrix strategy lets you use variables in a single job definition to automatically create
    // multiple job runs that are based on the combinations of the variables."
    world = await workflowWorld({
      [WORKFLOW]: `
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        os: [linux, mac]
        node: [20, 22]
    steps:
      - run: echo "\${{ matrix.os }}-\${{ matrix.node }} \${{ strategy.job-index }}/\${{ strategy.job-total }}"
`,
    });
    const report = await world.run(WORKFLOW);
    expect(report.jobs.map((j) => [j.name, j.steps[0]!.log])).toEqual([
      ['test (linux, 20)', 'linux-20 0/4'],
      ['test (linux, 22)', 'linux-22 1/4'],
      ['test (mac, 20)', 'mac-20 2/4'],
      ['test (mac, 22)', 'mac-22 3/4'],
    ]);
  });

  test('a matrix from fromJSON of a previous job output', async () => {
    // "fromJSON: ... This example workflow ... to create a matrix from the output of a previous job."
    world = await workflowWorld({
      [WORKFLOW]: `
on: push
jobs:
  stacks:
    runs-on: ubuntu-latest
    outputs:
      matrix: \${{ steps.list.outputs.matrix }}
    steps:
      - id: list
        run: echo 'matrix={"include":[{"stack":"dev","order":1},{"stack":"prod","order":2}]}' >> "$GITHUB_OUTPUT"
  plan:
    needs: stacks
    runs-on: ubuntu-latest
    strategy:
      matrix: \${{ fromJSON(needs.stacks.outputs.matrix) }}
    steps:
      - run: echo "\${{ matrix.stack }} \${{ matrix.order }}"
`,
    });
    const report = await world.run(WORKFLOW);
    expect(report.jobs.filter((j) => j.id === 'plan').map((j) => [j.name, j.matrix, j.steps[0]!.log])).toEqual([
      ['plan (dev, 1)', { stack: 'dev', order: 1 }, 'dev 1'],
      ['plan (prod, 2)', { stack: 'prod', order: 2 }, 'prod 2'],
    ]);
  });

  test('max-parallel: 1 runs the legs one after the other, in matrix order', async () => {
    // "jobs.<job_id>.strategy.max-parallel: ... the maximum number of jobs that can run
    // simultaneously when using a matrix job strategy."
    world = await workflowWorld({
      [WORKFLOW]: `
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      matrix:
        env: [dev, staging, prod]
    steps:
      - run: sleep 0.2
`,
    });
    const report = await world.run(WORKFLOW);
    const legs = report.jobs.map((j) => ({ name: j.name, started: j.startedSeq!, completed: j.completedSeq! }));
    expect(legs.map((l) => l.name)).toEqual(['deploy (dev)', 'deploy (staging)', 'deploy (prod)']);
    expect(legs[1]!.started).toBeGreaterThan(legs[0]!.completed);
    expect(legs[2]!.started).toBeGreaterThan(legs[1]!.completed);
  });

  test('fail-fast cancels the other legs when one fails; fail-fast: false lets them finish', async () => {
    // "jobs.<job_id>.strategy.fail-fast: ... If set to true, GitHub will cancel all in-progress
    // and queued jobs in the matrix if any job in the matrix fails. This property defaults to true."
    const matrixJob = (failFast: boolean) => `
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: ${failFast}
      matrix:
        case: [fails, slow]
    steps:
      - run: |
          if [ "\${{ matrix.case }}" = fails ]; then exit 1; fi
          sleep 30
`;
    world = await workflowWorld({
      [WORKFLOW]: matrixJob(true),
      '.github/workflows/patient.yml': matrixJob(false).replace('sleep 30', 'sleep 0.5'),
    });
    const fast = await world.run(WORKFLOW);
    expect(fast.jobs.map((j) => [j.name, j.conclusion])).toEqual([
      ['test (fails)', 'failure'],
      ['test (slow)', 'cancelled'],
    ]);
    const patient = await world.run('.github/workflows/patient.yml');
    expect(patient.jobs.map((j) => [j.name, j.conclusion])).toEqual([
      ['test (fails)', 'failure'],
      ['test (slow)', 'success'],
    ]);
  });
});
