import { parseArgs } from 'node:util';

// The command line of `npm run action` (scripts/run-action.ts), parsed without
// touching the disk or the environment: the actions that exist, the shell's
// environment and each action's declared inputs are given, so every bad
// argument ends as one line that says what to fix.

export interface RunArgs {
  action: string;
  /** `--input key=value`, as a workflow's `with:` gives them. */
  inputs: Record<string, string>;
  /** `--event name` or `--event name.action`. */
  event?: { name: string; action?: string };
  /** `--event-file path`, as given (relative to where the command was started). */
  eventFile?: string;
  /** `--workspace dir`, as given. */
  workspace?: string;
  /** `--env KEY=VALUE`, and `--env KEY` with the shell's value. */
  env: Record<string, string>;
  /** `--no-post` turns off the post step. */
  post: boolean;
  /** `--github-api url`: a real GitHub API instead of the local fake, with `token`. */
  githubApi?: { url: string; token: string };
  /** `--timeout-minutes n`, as a workflow step's `timeout-minutes`. */
  timeoutMinutes: number;
}

export type ParsedCommand = { kind: 'help' } | { kind: 'run'; args: RunArgs } | { kind: 'error'; message: string };

/** GitHub's default: a job (and so a step) stops after 360 minutes. */
export const DEFAULT_TIMEOUT_MINUTES = 360;

export function usage(actions: readonly string[]): string {
  return `Runs one action's committed bundle (actions/<name>/dist/index.js) the way GitHub's runner does.

Usage: npm run action -- <name> [options]
       node scripts/run-action.ts <name> [options]

  <name>                 ${actions.join(', ')}
  --input key=value      an input, named exactly as in action.yml (repeat for each); others take their default
  --event name[.action]  the triggering event, a real payload from @octokit/webhooks-examples
                         (push, pull_request, pull_request.synchronize, pull_request_review, workflow_dispatch,
                         merge_group, release.published, …; schedule and pull_request_target too); default push
  --event-file path      a payload of your own (its name: --event, else guessed from the payload)
  --workspace dir        GITHUB_WORKSPACE and the step's working directory; default the current directory
  --env KEY=VALUE        an environment variable for the step (repeat); --env KEY passes your shell's value
  --no-post              skip the post step
  --github-api url       talk to this GitHub API (token from GITHUB_TOKEN; needs --event-file) instead of
                         the local GitHub API fake
  --timeout-minutes n    stop the step after n minutes, as a step's timeout-minutes; default ${DEFAULT_TIMEOUT_MINUTES}
  -h, --help             this text

The step's log is shown as GitHub shows it (masked, workflow commands consumed), then its outputs, what it
posted to the GitHub API fake, and where its job summary was saved. The exit code is the step's.
See docs/local-run.md.`;
}

const OPTIONS = {
  input: { type: 'string', multiple: true },
  event: { type: 'string' },
  'event-file': { type: 'string' },
  workspace: { type: 'string' },
  env: { type: 'string', multiple: true },
  post: { type: 'boolean', default: true },
  'github-api': { type: 'string' },
  'timeout-minutes': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses `argv` (what follows `npm run action --`). `actions` are the action
 * names there are; `shellEnv` is where `--env KEY` and `GITHUB_TOKEN` are read.
 */
export function parseCommand(
  argv: readonly string[],
  actions: readonly string[],
  shellEnv: Readonly<Record<string, string | undefined>> = {},
): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, allowNegative: true });
  } catch (error) {
    return { kind: 'error', message: parseErrorMessage(error, argv) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };

  const fail = (message: string): ParsedCommand => ({ kind: 'error', message });
  if (positionals.length === 0)
    return fail(`name the action to run: npm run action -- <name>; one of ${actions.join(', ')}`);
  if (positionals.length > 1) {
    return fail(
      `one action at a time: got ${positionals.map((p) => `'${p}'`).join(', ')} (values go in --input key=value)`,
    );
  }
  const action = positionals[0]!;
  if (!actions.includes(action)) return fail(`there is no action '${action}'; one of ${actions.join(', ')}`);

  const inputs: Record<string, string> = {};
  for (const pair of values.input ?? []) {
    const split = splitPair(pair);
    if (!split) return fail(`--input takes key=value, got '${pair}'`);
    if (split.key in inputs) return fail(`--input ${split.key} is given twice`);
    inputs[split.key] = split.value;
  }

  const env: Record<string, string> = {};
  for (const entry of values.env ?? []) {
    const split = splitPair(entry);
    if (split) {
      env[split.key] = split.value;
      continue;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry)) return fail(`--env takes KEY=VALUE or KEY, got '${entry}'`);
    const value = shellEnv[entry];
    if (value === undefined)
      return fail(`--env ${entry}: ${entry} is not set in your shell; give --env ${entry}=VALUE`);
    env[entry] = value;
  }
  for (const key of Object.keys(env)) {
    if (key.startsWith('INPUT_')) return fail(`--env ${key}: give inputs with --input, named as in action.yml`);
  }

  let event: RunArgs['event'];
  if (values.event !== undefined) {
    const match = /^([a-z_]+)(?:\.([a-z_-]+))?$/.exec(values.event);
    if (!match)
      return fail(
        `--event takes an event name such as pull_request or pull_request.synchronize, got '${values.event}'`,
      );
    event = { name: match[1]!, ...(match[2] ? { action: match[2] } : {}) };
  }
  if (values['event-file'] !== undefined && event?.action) {
    return fail('--event-file gives the payload: name only the event with --event (no .action)');
  }

  let githubApi: RunArgs['githubApi'];
  if (values['github-api'] !== undefined) {
    const url = values['github-api'].replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(url) || !URL.canParse(url)) {
      return fail(`--github-api takes the API's URL, such as https://api.github.com, got '${values['github-api']}'`);
    }
    const token = shellEnv.GITHUB_TOKEN;
    if (!token) return fail('--github-api needs a token in GITHUB_TOKEN (e.g. GITHUB_TOKEN=$(gh auth token))');
    // The example payloads name GitHub's sample repository, not yours.
    if (values['event-file'] === undefined) {
      return fail('--github-api needs --event-file: a payload naming your repository (and pull request)');
    }
    githubApi = { url, token };
  }

  let timeoutMinutes = DEFAULT_TIMEOUT_MINUTES;
  if (values['timeout-minutes'] !== undefined) {
    timeoutMinutes = Number(values['timeout-minutes']);
    if (!(timeoutMinutes > 0) || !Number.isFinite(timeoutMinutes)) {
      return fail(`--timeout-minutes takes a number of minutes above 0, got '${values['timeout-minutes']}'`);
    }
  }

  return {
    kind: 'run',
    args: {
      action,
      inputs,
      ...(event ? { event } : {}),
      ...(values['event-file'] !== undefined ? { eventFile: values['event-file'] } : {}),
      ...(values.workspace !== undefined ? { workspace: values.workspace } : {}),
      env,
      post: values.post,
      ...(githubApi ? { githubApi } : {}),
      timeoutMinutes,
    },
  };
}

/**
 * The line for inputs action.yml does not declare, or undefined. The runner
 * keeps an input's name as written (`plan-dir` is `INPUT_PLAN-DIR`), so a
 * name must be the declared one exactly.
 */
export function checkInputs(
  action: string,
  inputs: Record<string, string>,
  declared: readonly string[],
): string | undefined {
  const unknown = Object.keys(inputs).filter((name) => !declared.includes(name));
  if (!unknown.length) return undefined;
  const hints = unknown.map((name) => {
    const near = declared.find((d) => d === name.toLowerCase().replace(/_/g, '-'));
    return near ? `'${name}' (did you mean '${near}'?)` : `'${name}'`;
  });
  const list = declared.length ? declared.join(', ') : 'none';
  return `${action} has no input ${hints.join(', ')}; its inputs: ${list}`;
}

function splitPair(text: string): { key: string; value: string } | undefined {
  const at = text.indexOf('=');
  if (at <= 0) return undefined;
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}

function parseErrorMessage(error: unknown, argv: readonly string[]): string {
  const { code, message } = error as { code?: string; message?: string };
  let option = /'(-[^' ]+)/.exec(message ?? '')?.[1];
  // Node names `--no-post=1` as `--post`: show the user's spelling.
  const negated = option && `--no-${option.replace(/^--/, '')}`;
  if (negated && argv.some((arg) => arg.startsWith(`${negated}=`))) option = negated;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}; see --help`.replace('  ', ' ');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message ?? '')) return `${option} takes no value; see --help`;
      if (/ambiguous/.test(message ?? '')) return `${option}'s value starts with '-': write ${option}=<value>`;
      return `${option} needs a value; see --help`;
    default:
      return `${message ?? String(error)}; see --help`;
  }
}
