import { spawn } from 'node:child_process';
import { existsSync, globSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StandInError, type StandInContext, type StandIn } from './index.ts';

// actions/upload-artifact and actions/download-artifact, with the real
// artifact client (artifact-client.ts) against the artifact service fake: the
// run's artifacts, and another run's through the GitHub API fake.

const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifact-client.ts');

async function runClient(context: StandInContext, command: string, request: unknown): Promise<unknown> {
  const resultFile = path.join(context.temp, `artifact-${process.hrtime.bigint()}.json`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, command, JSON.stringify(request), resultFile], {
      env: context.env,
      cwd: context.workspace,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) context.log(line);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0 || !existsSync(resultFile)) throw new StandInError(`The artifact client failed (exit ${code})`);
  return JSON.parse(await readFile(resultFile, 'utf8')) as unknown;
}

const GLOB = /[*?[{]/;

/** The files of the `path` input and the root they are stored under (upload-artifact's rules). */
function filesToUpload(workspace: string, input: string): { files: string[]; root: string } {
  const lines = input
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const exclude = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
  const files = new Set<string>();
  const searchPaths: string[] = [];
  for (const line of lines.filter((l) => !l.startsWith('!'))) {
    if (GLOB.test(line)) {
      const segments = line.split('/');
      const fixed = segments.slice(
        0,
        segments.findIndex((s) => GLOB.test(s)),
      );
      searchPaths.push(path.resolve(workspace, fixed.join('/')));
      for (const found of globSync(line, { cwd: workspace, exclude })) files.add(path.resolve(workspace, found));
      continue;
    }
    const full = path.resolve(workspace, line);
    if (!existsSync(full)) continue;
    if (statSync(full).isDirectory()) {
      searchPaths.push(full);
      for (const found of globSync('**/*', { cwd: full })) files.add(path.join(full, found));
    } else {
      searchPaths.push(path.dirname(full));
      files.add(full);
    }
  }
  // `!pattern` lines exclude what they match, directories included.
  const excluded = new Set<string>();
  for (const pattern of exclude) {
    for (const found of globSync(pattern, { cwd: workspace })) {
      const full = path.resolve(workspace, found);
      excluded.add(full);
      if (statSync(full).isDirectory())
        for (const inner of globSync('**/*', { cwd: full })) excluded.add(path.join(full, inner));
    }
  }
  const regular = [...files].filter((f) => !excluded.has(f) && statSync(f).isFile());
  // "If multiple paths are provided as input, the least common ancestor of all the search paths will be used as the root directory."
  let root = searchPaths[0] ?? workspace;
  for (const candidate of searchPaths) {
    while (candidate !== root && !candidate.startsWith(`${root}${path.sep}`)) root = path.dirname(root);
  }
  return { files: regular, root };
}

export const uploadArtifact: StandIn = {
  defaults: {
    name: 'artifact',
    path: '',
    'if-no-files-found': 'warn',
    'retention-days': '0',
    'compression-level': '6',
    overwrite: 'false',
  },
  async run(context) {
    const { inputs } = context;
    const { files, root } = filesToUpload(context.workspace, inputs.path!);
    if (files.length === 0) {
      const message = `No files were found with the provided path: ${inputs.path}. No artifacts will be uploaded.`;
      if (inputs['if-no-files-found'] === 'error') throw new StandInError(message);
      if (inputs['if-no-files-found'] === 'warn') context.warning(message);
      else context.log(message);
      return {};
    }
    const result = (await runClient(context, 'upload', {
      name: inputs.name,
      files,
      root,
      retentionDays: Number(inputs['retention-days']) || undefined,
      compressionLevel: Number(inputs['compression-level']),
    })) as { id?: number; digest?: string };
    const runId = context.env.GITHUB_RUN_ID;
    return {
      outputs: {
        'artifact-id': String(result.id ?? ''),
        'artifact-url': `${context.env.GITHUB_SERVER_URL}/${context.repository}/actions/runs/${runId}/artifacts/${result.id}`,
        'artifact-digest': result.digest ?? '',
      },
      details: { name: inputs.name, files: files.map((f) => path.relative(root, f)).sort() },
    };
  },
};

export const downloadArtifact: StandIn = {
  defaults: {
    name: '',
    pattern: '',
    path: '',
    'merge-multiple': 'false',
    'github-token': '',
    repository: '',
    'run-id': '',
  },
  async run(context) {
    const { inputs } = context;
    const dest = path.resolve(context.workspace, inputs.path ?? '');
    const runId = inputs['run-id'] ? Number(inputs['run-id']) : undefined;
    if (runId && !inputs['github-token'])
      throw new StandInError('github-token is required to download from another run');
    const downloaded = (await runClient(context, 'download', {
      ...(inputs.name ? { name: inputs.name } : {}),
      ...(inputs.pattern ? { pattern: inputs.pattern } : {}),
      path: dest,
      mergeMultiple: inputs['merge-multiple'] === 'true',
      ...(runId ? { runId, repository: inputs.repository || context.repository, token: inputs['github-token'] } : {}),
    })) as { name: string; path: string }[];
    if (inputs.name === '' && downloaded.length === 0) context.log('No artifacts found');
    return { outputs: { 'download-path': dest }, details: { artifacts: downloaded.map((d) => d.name) } };
  },
};
