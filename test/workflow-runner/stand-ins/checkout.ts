import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { git, resolveRevision } from '../git.ts';
import { StandInError, type StandIn } from './index.ts';

// actions/checkout: fetches the repository (the run's by default) into the
// workspace or `path`, at the event's commit (or `ref`), with `fetch-depth`
// commits of history (1 by default, 0 for all branches and tags), and checks
// it out — a real git checkout, so later steps can `git diff` and `git log`.

export const checkout: StandIn = {
  defaults: { repository: '', ref: '', path: '', 'fetch-depth': '1', token: '', 'persist-credentials': 'true' },
  async run(context) {
    const repository = context.inputs.repository || context.repository;
    const source = context.repositories.get(repository);
    if (!source || source.at !== 'git') {
      throw new StandInError(`actions/checkout: the workflow runner has no git repository '${repository}' to fetch`);
    }
    const own = repository.toLowerCase() === context.repository.toLowerCase();
    const wanted = context.inputs.ref || (own ? context.sha : `refs/heads/${source.defaultBranch}`);
    const sha =
      (await resolveRevision(source.dir, wanted)) ??
      (await resolveRevision(source.dir, `refs/heads/${wanted}`)) ??
      (await resolveRevision(source.dir, `refs/tags/${wanted}`));
    if (!sha) throw new StandInError(`A branch or tag with the name '${wanted}' could not be found`);
    // Which ref the commit is checked out as: the event's branch, a named branch, else detached.
    const refName = context.inputs.ref || (own ? context.ref : `refs/heads/${source.defaultBranch}`);
    const branch = refName.startsWith('refs/heads/')
      ? refName.slice('refs/heads/'.length)
      : (await resolveRevision(source.dir, `refs/heads/${refName}`))
        ? refName
        : undefined;

    const dest = path.resolve(context.workspace, context.inputs.path ?? '');
    if (!dest.startsWith(context.workspace)) {
      throw new StandInError(`Repository path '${dest}' is not under '${context.workspace}'`);
    }
    await mkdir(dest, { recursive: true });
    const depth = Number(context.inputs['fetch-depth'] || '1');
    await git(dest, ['init', '-q']);
    await git(dest, ['remote', 'add', 'origin', `file://${source.dir}`]);
    const fetch = ['-c', 'protocol.version=2', 'fetch', '--no-tags', '--prune', '--no-recurse-submodules'];
    if (depth > 0) {
      const target = branch ? `refs/remotes/origin/${branch}` : `refs/remotes/origin/checkout`;
      await git(dest, [...fetch, `--depth=${depth}`, 'origin', `+${sha}:${target}`]);
    } else {
      await git(dest, [...fetch, 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']);
      await git(dest, [...fetch, 'origin', sha]);
    }
    if (branch) await git(dest, ['checkout', '-q', '--force', '-B', branch, sha]);
    else await git(dest, ['checkout', '-q', '--force', '--detach', sha]);
    context.log(`Checked out ${repository} at ${sha}${branch ? ` (${branch})` : ''} into ${dest}`);
    return { outputs: { ref: refName, commit: sha }, details: { repository, sha, path: dest, depth } };
  },
};
