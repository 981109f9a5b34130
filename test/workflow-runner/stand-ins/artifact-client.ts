import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';

// The real artifact client (@actions/artifact), run by the upload and
// download stand-ins in a process of its own, as actions/upload-artifact and
// actions/download-artifact run it: it reads ACTIONS_RUNTIME_TOKEN and
// ACTIONS_RESULTS_URL (the artifact service fake) and, for another run's
// artifacts, GITHUB_API_URL (the GitHub API fake) from its environment.
//
//   node artifact-client.ts upload|download <request JSON> <result file>

interface UploadRequest {
  name: string;
  files: string[];
  root: string;
  retentionDays?: number;
  compressionLevel?: number;
}

interface DownloadRequest {
  name?: string;
  pattern?: string;
  path: string;
  mergeMultiple: boolean;
  /** Another run's artifacts: found through the REST API with this token. */
  runId?: number;
  repository?: string;
  token?: string;
}

/** A download-artifact `pattern` (a glob over artifact names) as a regular expression. */
function namePattern(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

const [command, requestText, resultFile] = process.argv.slice(2);
const client = new DefaultArtifactClient();
if (command === 'upload') {
  const request = JSON.parse(requestText!) as UploadRequest;
  const result = await client.uploadArtifact(request.name, request.files, request.root, {
    ...(request.retentionDays ? { retentionDays: request.retentionDays } : {}),
    ...(request.compressionLevel !== undefined ? { compressionLevel: request.compressionLevel } : {}),
  });
  writeFileSync(resultFile!, JSON.stringify(result));
} else if (command === 'download') {
  const request = JSON.parse(requestText!) as DownloadRequest;
  const [owner = '', repo = ''] = (request.repository ?? '').split('/');
  const findBy = request.runId
    ? { token: request.token!, workflowRunId: request.runId, repositoryOwner: owner, repositoryName: repo }
    : undefined;
  const options = findBy ? { findBy } : {};
  const downloaded: { name: string; path: string }[] = [];
  if (request.name) {
    const { artifact } = await client.getArtifact(request.name, options);
    await client.downloadArtifact(artifact.id, { path: request.path, ...options });
    downloaded.push({ name: artifact.name, path: request.path });
  } else {
    const { artifacts } = await client.listArtifacts({ latest: true, ...options });
    const pattern = request.pattern ? namePattern(request.pattern) : undefined;
    for (const artifact of artifacts.filter((a) => !pattern || pattern.test(a.name))) {
      const dest = request.mergeMultiple ? request.path : path.join(request.path, artifact.name);
      await client.downloadArtifact(artifact.id, { path: dest, ...options });
      downloaded.push({ name: artifact.name, path: dest });
    }
  }
  writeFileSync(resultFile!, JSON.stringify(downloaded));
} else {
  throw new Error(`artifact-client: unknown command '${command}'`);
}
