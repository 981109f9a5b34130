// Bundles every action with @vercel/ncc into actions/<name>/dist (committed:
// GitHub runs the bundle without `npm install`). With --check, builds into a
// temp dir and fails when a committed bundle differs from a fresh build.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ncc = path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js');
const check = process.argv.includes('--check');

// Action names given as arguments build only those (`npm run build -- tf-apply`).
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const actions = (await readdir(path.join(root, 'actions')))
  .filter((name) => !only.length || only.includes(name))
  .sort();
const scratch = check ? await mkdtemp(path.join(tmpdir(), 'check-dist-')) : '';
const stale: string[] = [];

await Promise.all(
  actions.map(async (name) => {
    const dir = path.join(root, 'actions', name);
    const out = check ? path.join(scratch, name) : path.join(dir, 'dist');
    if (!check) await rm(out, { recursive: true, force: true });
    // Transpile only: `npm run typecheck` is the type check.
    await promisify(execFile)(
      process.execPath,
      [ncc, 'build', 'src/main.ts', '-o', out, '--license', 'licenses.txt', '-t', '-q'],
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (check) stale.push(...(await differences(out, path.join(dir, 'dist'), `actions/${name}/dist`)));
    else console.log(`built actions/${name}/dist`);
  }),
);

if (check) {
  await rm(scratch, { recursive: true, force: true });
  if (stale.length) {
    console.error(`dist/ is stale; run \`npm run build\` and commit:\n${stale.map((s) => `  ${s}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`dist/ is fresh for ${actions.length} action(s)`);
}

async function differences(fresh: string, committed: string, label: string): Promise<string[]> {
  const names = new Set([...(await list(fresh)), ...(await list(committed))]);
  const result: string[] = [];
  for (const name of [...names].sort()) {
    const [a, b] = await Promise.all([read(path.join(fresh, name)), read(path.join(committed, name))]);
    if (a === undefined || b === undefined || !a.equals(b)) result.push(`${label}/${name}`);
  }
  return result;
}

async function list(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? list(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    ),
  );
  return nested.flat();
}

async function read(file: string): Promise<Buffer | undefined> {
  return (await stat(file).catch(() => undefined)) ? readFile(file) : undefined;
}
