import { describe, expect, it } from 'vitest';
import { checkInputs, DEFAULT_TIMEOUT_MINUTES, parseCommand, usage } from '../../scripts/run-action/args.ts';
import { customEvent, EventError, exampleEvent, guessEventName } from '../../scripts/run-action/events.ts';
import { graphqlUrl, pullRequestOf } from '../../scripts/run-action/local-services.ts';
import { formatOutputs, formatServiceReport } from '../../scripts/run-action/report.ts';

// The pure parts of `npm run action` (scripts/run-action.ts): its command
// line, the event it picks, the pull request it seeds, and what it prints.

const ACTIONS = ['smoke-test', 'tf-plan'];
const parse = (argv: string[], env: Record<string, string> = {}) => parseCommand(argv, ACTIONS, env);
const errorOf = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parse(argv, env);
  return parsed.kind === 'error' ? parsed.message : `not an error: ${parsed.kind}`;
};

describe('the command line', () => {
  it('reads the action, inputs as given (hyphens kept, values with = and newlines), the event and the options', () => {
    const parsed = parse(
      [
        'tf-plan',
        '--input',
        'working-directory=infra/prod',
        '--input=variables=a=1\nb=2',
        '--event',
        'pull_request.synchronize',
        '--workspace',
        '../checkout',
        '--env',
        'TF_LOG=debug',
        '--env',
        'DOCKER_HOST',
        '--no-post',
        '--timeout-minutes',
        '1.5',
      ],
      { DOCKER_HOST: 'unix:///run/docker.sock' },
    );
    expect(parsed).toEqual({
      kind: 'run',
      args: {
        action: 'tf-plan',
        inputs: { 'working-directory': 'infra/prod', variables: 'a=1\nb=2' },
        event: { name: 'pull_request', action: 'synchronize' },
        workspace: '../checkout',
        env: { TF_LOG: 'debug', DOCKER_HOST: 'unix:///run/docker.sock' },
        post: false,
        timeoutMinutes: 1.5,
      },
    });
  });

  it('has defaults: post on, no event (push), the default timeout, an empty value allowed', () => {
    expect(parse(['smoke-test', '--input', 'urls='])).toEqual({
      kind: 'run',
      args: {
        action: 'smoke-test',
        inputs: { urls: '' },
        env: {},
        post: true,
        timeoutMinutes: DEFAULT_TIMEOUT_MINUTES,
      },
    });
  });

  it('answers --help and -h, whatever else is given', () => {
    expect(parse(['--help'])).toEqual({ kind: 'help' });
    expect(parse(['tf-plan', '-h', '--input', 'x'])).toEqual({ kind: 'help' });
    expect(usage(ACTIONS)).toContain('smoke-test, tf-plan');
  });

  it.each([
    [[], 'name the action to run: npm run action -- <name>; one of smoke-test, tf-plan'],
    [['tf-apply'], "there is no action 'tf-apply'; one of smoke-test, tf-plan"],
    [['tf-plan', 'infra'], "one action at a time: got 'tf-plan', 'infra' (values go in --input key=value)"],
    [['tf-plan', '--input', 'working-directory'], "--input takes key=value, got 'working-directory'"],
    [['tf-plan', '--input', '=x'], "--input takes key=value, got '=x'"],
    [['tf-plan', '--input', 'a=1', '--input', 'a=2'], '--input a is given twice'],
    [['tf-plan', '--input'], '--input needs a value; see --help'],
    [['tf-plan', '--input', '--no-post'], "--input's value starts with '-': write --input=<value>"],
    [['tf-plan', '--inputs', 'a=1'], 'unknown option --inputs; see --help'],
    [['tf-plan', '--no-post=1'], '--no-post takes no value; see --help'],
    [['tf-plan', '--env', 'NOT_SET'], '--env NOT_SET: NOT_SET is not set in your shell; give --env NOT_SET=VALUE'],
    [['tf-plan', '--env', 'a-b'], "--env takes KEY=VALUE or KEY, got 'a-b'"],
    [['tf-plan', '--env', 'INPUT_VERSION=1'], '--env INPUT_VERSION: give inputs with --input, named as in action.yml'],
    [
      ['tf-plan', '--event', 'Pull Request'],
      "--event takes an event name such as pull_request or pull_request.synchronize, got 'Pull Request'",
    ],
    [
      ['tf-plan', '--event', 'pull_request.opened', '--event-file', 'e.json'],
      '--event-file gives the payload: name only the event with --event (no .action)',
    ],
    [['tf-plan', '--timeout-minutes', '0'], "--timeout-minutes takes a number of minutes above 0, got '0'"],
    [['tf-plan', '--timeout-minutes', 'soon'], "--timeout-minutes takes a number of minutes above 0, got 'soon'"],
    [
      ['tf-plan', '--github-api', 'api.github.com'],
      "--github-api takes the API's URL, such as https://api.github.com, got 'api.github.com'",
    ],
    [
      ['tf-plan', '--github-api', 'https://api.github.com', '--event-file', 'e.json'],
      '--github-api needs a token in GITHUB_TOKEN (e.g. GITHUB_TOKEN=$(gh auth token))',
    ],
  ])('rejects %j with one line', (argv, message) => {
    expect(errorOf(argv)).toBe(message);
    expect(message).not.toContain('\n');
  });

  it('talks to a real API only with a token and a payload of your own', () => {
    const env = { GITHUB_TOKEN: 'ghp_x' };
    expect(errorOf(['tf-plan', '--github-api', 'https://api.github.com'], env)).toBe(
      '--github-api needs --event-file: a payload naming your repository (and pull request)',
    );
    const parsed = parse(['tf-plan', '--github-api', 'https://ghe.example/api/v3/', '--event-file', 'e.json'], env);
    expect(parsed.kind === 'run' && parsed.args.githubApi).toEqual({
      url: 'https://ghe.example/api/v3',
      token: 'ghp_x',
    });
    expect(parsed.kind === 'run' && parsed.args.eventFile).toBe('e.json');
  });
});

describe('the inputs', () => {
  const declared = ['working-directory', 'plan-dir', 'version'];

  it('accepts the names action.yml declares, exactly', () => {
    expect(checkInputs('tf-apply', { 'plan-dir': 'x', version: '1.9.8' }, declared)).toBeUndefined();
  });

  it('rejects others in one line that lists the declared inputs, with a hint for an underscore or a capital', () => {
    expect(checkInputs('tf-apply', { nope: '1' }, declared)).toBe(
      "tf-apply has no input 'nope'; its inputs: working-directory, plan-dir, version",
    );
    expect(checkInputs('tf-apply', { plan_dir: 'x', Version: '1' }, declared)).toBe(
      "tf-apply has no input 'plan_dir' (did you mean 'plan-dir'?), 'Version' (did you mean 'version'?); its inputs: working-directory, plan-dir, version",
    );
  });
});

describe('the event', () => {
  it('is a real payload, with its action when one is named', () => {
    const pr = exampleEvent('pull_request');
    expect(pr.name).toBe('pull_request');
    expect(pr.payload.action).toBe('opened');
    expect(pr.source).toBe('@octokit/webhooks-examples: pull_request (opened)');
    expect(exampleEvent('pull_request', 'synchronize').payload.action).toBe('synchronize');
    expect(exampleEvent('push').payload).toHaveProperty('after');
  });

  it('makes the two Actions-only events: schedule as GitHub sends it, pull_request_target with the PR payload', () => {
    const schedule = exampleEvent('schedule');
    expect(schedule.payload.schedule).toBe('0 6 * * *');
    expect(schedule.payload).toHaveProperty('repository.full_name');
    const target = exampleEvent('pull_request_target');
    expect(target.name).toBe('pull_request_target');
    expect(target.payload).toHaveProperty('pull_request.number');
  });

  it('names what is missing in one line', () => {
    expect(() => exampleEvent('nosuch')).toThrow(EventError);
    expect(() => exampleEvent('pull_request', 'exploded')).toThrow(
      /^@octokit\/webhooks-examples has no 'pull_request' payload with action 'exploded'; /,
    );
  });

  it('reads a payload of your own, its name given or guessed', () => {
    const text = JSON.stringify({ action: 'opened', number: 7, pull_request: { number: 7 } });
    expect(customEvent(text, 'pr.json', undefined)).toMatchObject({
      name: 'pull_request',
      source: 'pr.json (event name guessed: pull_request)',
    });
    expect(customEvent(text, 'pr.json', 'pull_request_target').name).toBe('pull_request_target');
    expect(() => customEvent('{', 'bad.json', undefined)).toThrow(/^--event-file bad.json is not JSON: /);
    expect(() => customEvent('[]', 'list.json', undefined)).toThrow(
      '--event-file list.json must hold a JSON object, a webhook payload',
    );
  });

  it.each([
    [{ schedule: '0 6 * * *' }, 'schedule'],
    [{ merge_group: {} }, 'merge_group'],
    [{ pull_request: {}, review: {} }, 'pull_request_review'],
    [{ issue: {}, comment: {} }, 'issue_comment'],
    [{ inputs: {}, workflow: 'x.yml', ref: 'refs/heads/main' }, 'workflow_dispatch'],
    [{ ref: 'refs/heads/main', after: 'abc' }, 'push'],
  ])('guesses %j is %s', (payload, name) => {
    expect(guessEventName(payload)).toBe(name);
  });
});

describe('the pull request the fake is given', () => {
  it('is the payload’s: number, head, base, author, labels, and the review of a review event', () => {
    const payload = exampleEvent('pull_request_review').payload;
    const pull = pullRequestOf(payload);
    expect(pull).toMatchObject({
      number: 2,
      seed: {
        head: 'changes',
        headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        base: 'master',
        user: 'Codertocat',
      },
      review: { user: 'Codertocat', state: 'COMMENTED', commitId: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821' },
    });
  });

  it('is merged when the payload says so, and absent from events without one', () => {
    const merged = pullRequestOf({
      pull_request: { number: 3, state: 'closed', merged: true, merge_commit_sha: 'f'.repeat(40), head: { ref: 'x' } },
    });
    expect(merged?.seed).toMatchObject({ merged: true, mergeCommitSha: 'f'.repeat(40) });
    expect(pullRequestOf(exampleEvent('push').payload)).toBeUndefined();
  });

  it('has GraphQL beside the REST root, on github.com and on GHES', () => {
    expect(graphqlUrl('https://api.github.com')).toBe('https://api.github.com/graphql');
    expect(graphqlUrl('https://ghe.example/api/v3')).toBe('https://ghe.example/api/graphql');
  });
});

describe('the report', () => {
  it('prints every output whole, continuation lines under the name', () => {
    expect(formatOutputs({ passed: 'true', results: '[\n  1\n]' })).toEqual([
      'outputs:',
      '  passed: true',
      '  results: [',
      '             1',
      '           ]',
    ]);
    expect(formatOutputs({})).toEqual(['outputs: none']);
  });

  it('prints what was posted: the writes, then each issue and comment with its body', () => {
    const lines = formatServiceReport({
      writes: [{ method: 'POST', path: '/repos/o/r/issues/2/comments', status: 201 }],
      issues: [
        {
          number: 3,
          title: 'Drift in infra',
          state: 'open',
          labels: ['drift'],
          url: 'http://x/o/r/issues/3',
          body: 'b\n',
        },
      ],
      comments: [{ issueNumber: 2, url: 'http://x/o/r/pull/2#c', body: 'line 1\nline 2', edited: true }],
      artifacts: [{ name: 'tfplan', size: 10, finalized: true }],
    });
    expect(lines).toEqual([
      'GitHub API fake: 1 write(s)',
      '  POST /repos/o/r/issues/2/comments → 201',
      'issue #3 (open, labels drift): Drift in infra',
      '  http://x/o/r/issues/3',
      '  │ b',
      'comment on #2 (edited): http://x/o/r/pull/2#c',
      '  │ line 1',
      '  │ line 2',
      'artifacts uploaded to the artifact service fake:',
      '  tfplan (10 bytes)',
    ]);
    expect(formatServiceReport({ writes: [], issues: [], comments: [], artifacts: [] })).toEqual([
      'GitHub API fake: nothing posted',
    ]);
  });
});
