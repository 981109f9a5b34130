import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactJob, ArtifactServiceFake } from '../fakes/artifact-service.ts';
import type { GitHubApiFake } from '../fakes/github-api.ts';
import type { ActionRun } from '../harness/run-action.ts';
import {
  allFiles,
  artifactChannels,
  changedFiles,
  childChannels,
  githubChannels,
  snapshot,
  stepChannels,
  tmpChannels,
  tmpEntries,
  webhookChannels,
  type Channel,
} from './channels.ts';
import type { ReceivedRequest } from './receivers.ts';
import type { RecordedCall, Recorder } from './recorder.ts';

// One step (main and post) run under observation: every channel of
// channels.ts collected for it, from what the step did while it ran.

export interface Watched {
  recorder: Recorder;
  github?: GitHubApiFake;
  artifacts?: ArtifactServiceFake;
  /** The artifact job of the step (its run's artifacts are the step's). */
  job?: ArtifactJob;
  webhooks?: { requests: ReceivedRequest[] };
  /** Directories the test made in /tmp while the step ran (not the step's). */
  ownDirs?: string[];
}

export interface Observation {
  run: ActionRun;
  channels: Channel[];
  calls: RecordedCall[];
  /** Every entry (files, directories, sockets) left in RUNNER_TEMP and HOME after post, relative. */
  left: { runnerTemp: string[]; home: string[] };
}

/**
 * Runs `start` (which runs the action, main then post) and collects its
 * channels: log, outputs, summary and exported env; GitHub API requests;
 * webhook bodies; artifacts stored by the step; files left in RUNNER_TEMP and
 * HOME (fresh for each run), files added or changed in the workspace, entries
 * added to /tmp; the command line and environment of each child process.
 * The run's temp directories are removed afterwards.
 */
export async function observe(
  label: string,
  watched: Watched,
  workspace: string,
  start: () => Promise<ActionRun>,
): Promise<Observation> {
  await watched.recorder.clear();
  const before = {
    workspace: await snapshot(workspace),
    tmp: await tmpEntries(),
    requests: watched.github?.requests.length ?? 0,
    webhooks: watched.webhooks?.requests.length ?? 0,
    artifacts: new Set(watched.artifacts?.artifacts(watched.job).map((a) => a.id) ?? []),
  };
  const run = await start();
  try {
    const harnessBase = path.dirname(run.runnerTemp);
    const channels: Channel[] = [
      ...stepChannels(run, label),
      ...(await allFiles(run.runnerTemp, 'RUNNER_TEMP')),
      ...(await allFiles(run.home, 'HOME')),
      ...(run.workspace.startsWith(harnessBase) ? await allFiles(run.workspace, 'workspace') : []),
      ...(!run.workspace.startsWith(harnessBase) ? await changedFiles(before.workspace, 'workspace') : []),
      ...(await tmpChannels(before.tmp, [harnessBase, ...(watched.ownDirs ?? [])])),
    ];
    if (watched.github) channels.push(...githubChannels(watched.github, before.requests));
    if (watched.webhooks) channels.push(...webhookChannels(watched.webhooks.requests.slice(before.webhooks)));
    if (watched.artifacts) {
      const stored = await artifactChannels(watched.artifacts, watched.job);
      channels.push(...stored.filter((c) => isNew(c, watched.artifacts!, watched.job, before.artifacts)));
    }
    const calls = await watched.recorder.calls();
    channels.push(...childChannels(calls));
    const entries = async (dir: string) => (await readdir(dir, { recursive: true }).catch(() => [])).map(String).sort();
    return {
      run,
      channels: channels.map((c) => ({ ...c, name: c.name.startsWith(label) ? c.name : `${label}: ${c.name}` })),
      calls,
      left: { runnerTemp: await entries(run.runnerTemp), home: await entries(run.home) },
    };
  } finally {
    await run.cleanup();
  }
}

/** Whether an artifact channel belongs to an artifact the step stored (its name is `artifact <name>/<file>`). */
function isNew(
  channel: Channel,
  artifacts: ArtifactServiceFake,
  job: ArtifactJob | undefined,
  old: Set<number>,
): boolean {
  const name = channel.name.slice('artifact '.length).split('/')[0];
  return artifacts.artifacts(job).some((a) => a.name === name && !old.has(a.id));
}
