import { apiError, notFound } from './api-error.ts';
import { paginate } from './pagination.ts';
import { intParam, ok, repoOf, route, type RequestContext, type Route, type RouteResponse } from './router.ts';
import type { Artifact, WorkflowRun } from './schemas.ts';
import { readOf } from './token-permissions.ts';
import { requireArtifact, requireRun, runMatches } from './workflow-runs.ts';

const REPO = '/repos/{owner}/{repo}';
/** Where artifact downloads redirect to, standing for GitHub's signed blob storage URLs. */
export const ARTIFACT_BLOB_PATH = '/_fake/artifact-blobs';

function listedRuns(context: RequestContext, runs: WorkflowRun[]): RouteResponse {
  const matching = runs.filter((run) => runMatches(run, context.query)).sort((a, b) => b.id - a.id);
  const page = paginate(context, matching);
  return { status: 200, body: { total_count: matching.length, workflow_runs: page.items }, headers: page.headers };
}

function listedArtifacts(context: RequestContext, artifacts: Artifact[]): RouteResponse {
  const name = context.query.get('name');
  const matching = artifacts.filter((artifact) => !name || artifact.name === name).sort((a, b) => b.id - a.id);
  const page = paginate(context, matching);
  return { status: 200, body: { total_count: matching.length, artifacts: page.items }, headers: page.headers };
}

// Workflow runs and artifacts: `actions: read`; the blob download is a signed URL, served to anyone.
const ACTIONS = { needs: readOf('actions') };

export const actionsRoutes: Route[] = [
  route('GET', `${REPO}/actions/runs`, (context) => listedRuns(context, [...repoOf(context).runs.values()])),
  route('GET', `${REPO}/actions/workflows/{workflow_id}/runs`, (context) => {
    // A workflow is named by its id or its file name, as on GitHub.
    const workflow = context.params.workflow_id!;
    const runs = [...repoOf(context).runs.values()].filter(
      (run) => String(run.workflow_id) === workflow || run.path.split('/').pop() === workflow,
    );
    return listedRuns(context, runs);
  }),
  route('GET', `${REPO}/actions/runs/{run_id}`, (context) =>
    ok(requireRun(repoOf(context), intParam(context, 'run_id'))),
  ),
  route('GET', `${REPO}/actions/runs/{run_id}/artifacts`, (context) => {
    const repo = repoOf(context);
    const run = requireRun(repo, intParam(context, 'run_id'));
    const artifacts = [...repo.artifacts.values()].map((a) => a.data).filter((a) => a.workflow_run?.id === run.id);
    return listedArtifacts(context, artifacts);
  }),
  route('GET', `${REPO}/actions/artifacts`, (context) => {
    return listedArtifacts(
      context,
      [...repoOf(context).artifacts.values()].map((a) => a.data),
    );
  }),
  route('GET', `${REPO}/actions/artifacts/{artifact_id}`, (context) => {
    return ok(requireArtifact(repoOf(context), intParam(context, 'artifact_id')).data);
  }),
  route('GET', `${REPO}/actions/artifacts/{artifact_id}/{archive_format}`, (context) => {
    const artifact = requireArtifact(repoOf(context), intParam(context, 'artifact_id'));
    if (context.params.archive_format !== 'zip' || !artifact.content) throw notFound();
    if (artifact.data.expired) throw apiError(410, 'Artifact has expired');
    const location = `${context.state.baseUrl}${ARTIFACT_BLOB_PATH}/${artifact.data.id}`;
    return { status: 302, headers: { location } };
  }),
  route(
    'GET',
    `${ARTIFACT_BLOB_PATH}/{artifact_id}`,
    (context) => {
      const id = intParam(context, 'artifact_id');
      const artifact = context.state
        .allRepos()
        .find((repo) => repo.artifacts.has(id))
        ?.artifacts.get(id);
      if (!artifact?.content) throw notFound();
      return { status: 200, body: artifact.content, headers: { 'content-type': 'application/zip' } };
    },
    { public: true },
  ),
].map((r) => (r.public ? r : { ...r, ...ACTIONS }));
