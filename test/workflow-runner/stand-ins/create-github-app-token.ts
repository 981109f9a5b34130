import { randomBytes } from 'node:crypto';
import { StandInError, type StandIn } from './index.ts';

// actions/create-github-app-token: signs a JWT with the app's private key,
// finds the installation and creates an installation token — of the
// `permission-<scope>` inputs, or all the installation's permissions — which
// acts as `<slug>[bot]`; the token is masked, and revoked in the post step.
// Here: the app comes from the runner's `apps` setting, and the token is
// registered in the GitHub API fake with those permissions.

export const createGitHubAppToken: StandIn = {
  defaults: {
    'app-id': '',
    'client-id': '',
    'private-key': '',
    owner: '',
    repositories: '',
    'skip-token-revoke': 'false',
  },
  async run(context) {
    const { inputs } = context;
    const id = inputs['client-id'] || inputs['app-id'];
    if (!id) throw new StandInError("Either 'client-id' or 'app-id' must be set");
    if (!inputs['private-key']) throw new StandInError('Input required and not supplied: private-key');
    const app = context.apps[id];
    if (!app) throw new StandInError(`No GitHub App '${id}' is installed for ${inputs.owner || context.repository}`);
    if (app.privateKey !== undefined && app.privateKey !== inputs['private-key']) {
      throw new StandInError('A JSON web token could not be decoded: the private key does not match the app');
    }
    const requested = Object.entries(inputs)
      .filter(([key, value]) => key.startsWith('permission-') && value)
      .map(([key, value]) => [key.slice('permission-'.length), value] as const);
    for (const [scope, level] of requested) {
      const has = app.permissions[scope];
      if (level !== 'read' && level !== 'write')
        throw new StandInError(`Invalid permission level '${level}' for ${scope}`);
      if (!has || (level === 'write' && has === 'read')) {
        throw new StandInError(`The permissions requested are not granted to this installation: ${scope}: ${level}`);
      }
    }
    const permissions = requested.length
      ? { metadata: 'read' as const, ...Object.fromEntries(requested) }
      : { metadata: 'read' as const, ...app.permissions };
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    context.mask(token);
    context.github.addToken(token, `${app.slug}[bot]`, { permissions });
    if (inputs['skip-token-revoke'] !== 'true') {
      context.onPost(async () => context.github.revokeToken(token));
    }
    return {
      outputs: { token, 'installation-id': String(app.installationId ?? 1), 'app-slug': app.slug },
      details: { app: app.slug, permissions },
    };
  },
};
