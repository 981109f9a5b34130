import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Repositories } from './load.ts';
import { standIn, type StandIn } from './stand-ins/index.ts';

// What a step's `uses:` names, resolved as the runner resolves it:
// `./path` is a directory of the job's workspace (after a checkout);
// `{owner}/{repo}[/{path}]@{ref}` is the directory `{path}` of the repository
// at `{ref}` (the runner downloads the whole repository), found through the
// runner's repository map — so both `acme/iac-actions/actions/tf-plan@v1` and
// `acme/iac-actions/tf-plan@v1` work when those directories hold an
// action.yml; any other repository is a third-party action, run by its
// stand-in.

export interface ActionManifest {
  name?: string;
  inputs?: Record<string, { default?: string | number | boolean; required?: boolean; deprecationMessage?: string }>;
  outputs?: Record<string, { value?: string }>;
  runs: { using: string; main?: string; post?: string; 'post-if'?: string; steps?: unknown[] };
}

export type ResolvedAction =
  | {
      kind: 'node';
      /** The action's directory: `runs.main` is resolved against it (Path.Combine), so `../actions/x/dist/index.js` works. */
      dir: string;
      manifest: ActionManifest;
      /** GITHUB_ACTION_REPOSITORY / GITHUB_ACTION_REF; empty for a local action. */
      repository: string;
      ref: string;
    }
  | { kind: 'stand-in'; name: string; standIn: StandIn; ref: string };

export class ActionResolutionError extends Error {}

async function manifestIn(dir: string): Promise<ActionManifest | undefined> {
  for (const file of ['action.yml', 'action.yaml']) {
    const full = path.join(dir, file);
    if (existsSync(full)) return parseYaml(await readFile(full, 'utf8')) as ActionManifest;
  }
  return undefined;
}

export async function resolveAction(
  uses: string,
  workspace: string,
  repositories: Repositories,
): Promise<ResolvedAction> {
  if (uses.startsWith('docker://'))
    throw new ActionResolutionError(`Docker actions (${uses}) are not supported by the workflow runner`);
  if (uses.startsWith('./') || uses.startsWith('../')) {
    const dir = path.resolve(workspace, uses);
    const manifest = await manifestIn(dir);
    if (!manifest) {
      throw new ActionResolutionError(
        `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${dir}'. Did you forget to run actions/checkout before running your local action?`,
      );
    }
    return checked({ kind: 'node', dir, manifest, repository: '', ref: '' }, uses);
  }
  const match = /^([^/@]+)\/([^/@]+)(?:\/([^@]*))?@(.+)$/.exec(uses);
  if (!match) throw new ActionResolutionError(`Expected format {org}/{repo}[/path]@ref. Actual '${uses}'`);
  const [, owner, name, subPath = '', ref] = match;
  const repository = `${owner}/${name}`;
  const source = repositories.get(repository);
  if (source) {
    const dir = path.join(await repositories.directoryAt(source, ref!), subPath);
    const manifest = await manifestIn(dir);
    if (!manifest) {
      throw new ActionResolutionError(`Can't find 'action.yml', 'action.yaml' or 'Dockerfile' for action '${uses}'.`);
    }
    return checked({ kind: 'node', dir, manifest, repository, ref: ref! }, uses);
  }
  const found = standIn(repository, subPath);
  if (found) return { kind: 'stand-in', name: repository, standIn: found, ref: ref! };
  throw new ActionResolutionError(
    `Unable to resolve action \`${uses}\`, repository not found. ` +
      `(The workflow runner maps no repository '${repository}' and has no stand-in for it: add one to test/workflow-runner/stand-ins/.)`,
  );
}

function checked(action: Extract<ResolvedAction, { kind: 'node' }>, uses: string): ResolvedAction {
  const using = action.manifest.runs?.using;
  if (using !== 'node24') {
    throw new ActionResolutionError(
      `${uses}: runs.using '${String(using)}' is not supported by the workflow runner (node24 actions only)`,
    );
  }
  if (!action.manifest.runs.main || !existsSync(path.join(action.dir, action.manifest.runs.main))) {
    throw new ActionResolutionError(
      `${uses}: runs.main '${String(action.manifest.runs.main)}' does not exist (resolved from ${action.dir})`,
    );
  }
  return action;
}
