// Credentials written into a URL (`https://user:password@host/`,
// `https://TOKEN@host/`, `https://x-access-token:TOKEN@host/`). They are read
// from the text as given, without a URL parser, so that a URL that fails
// validation is masked before the message that quotes it.

/** Token prefixes of well-known services (GitHub, GitLab, Slack, npm), used as a URL's user name. */
const TOKEN_PREFIX = /^(?:gh[pousr]_|github_pat_|glpat-|xox[abpr]-|npm_)/;

interface Userinfo {
  /** Index of the userinfo's first character in the text. */
  start: number;
  /** Index of the `@` that ends it. */
  end: number;
  username: string;
  /** Undefined when there is no `:` (a token given as the user name). */
  password: string | undefined;
}

/**
 * The userinfo of a URL-like text: what lies between the scheme's slashes (or
 * the start) and the last `@` before the path, as the WHATWG URL parser reads it.
 */
function userinfoOf(text: string): Userinfo | undefined {
  // A scheme with its slashes, however many (`htps:/` is a typo to mask too); `user:pw@host` has none.
  const start = /^[A-Za-z][A-Za-z0-9+.-]*:[/\\]+/.exec(text)?.[0].length ?? 0;
  const rest = text.slice(start);
  const authorityEnd = rest.search(/[/?#\\]/);
  const authority = authorityEnd >= 0 ? rest.slice(0, authorityEnd) : rest;
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  return {
    start,
    end: start + at,
    username: colon >= 0 ? userinfo.slice(0, colon) : userinfo,
    password: colon >= 0 ? userinfo.slice(colon + 1) : undefined,
  };
}

/**
 * Whether a URL's user name is itself a credential: it is when there is no
 * password (`https://TOKEN@host/`), or when it does not look like a person's
 * or a bot's name (a known token prefix, or long with digits).
 */
function usernameIsSecret(username: string, password: string | undefined): boolean {
  if (!password) return username !== '';
  const plain = /^[A-Za-z][A-Za-z0-9._-]*$/.test(username) && username.length <= 32;
  return !plain || TOKEN_PREFIX.test(username) || (username.length >= 16 && /\d/.test(username));
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The secrets a URL carries, in the forms they take: as written, decoded,
 * and `user:password` as Basic authentication encodes it. Empty when the URL
 * has no credentials.
 */
export function urlCredentials(text: string): string[] {
  const info = userinfoOf(text);
  if (!info) return [];
  const { username, password } = info;
  const secrets = new Set<string>();
  if (password) {
    secrets.add(password);
    secrets.add(decoded(password));
    secrets.add(`${decoded(username)}:${decoded(password)}`);
  }
  if (usernameIsSecret(username, password)) {
    secrets.add(username);
    secrets.add(decoded(username));
  }
  return [...secrets].filter((secret) => secret.trim() !== '');
}

/**
 * The URL as written, with its credentials replaced by `***`: the password,
 * and the user name when it is a credential itself. For logs, outputs,
 * summaries and messages; works on text that is not a valid URL too.
 */
export function withoutCredentials(text: string): string {
  const info = userinfoOf(text);
  if (!info) return text;
  const { start, end, username, password } = info;
  const user = usernameIsSecret(username, password) ? '***' : username;
  const shown = password === undefined ? user : `${user}:${password ? '***' : ''}`;
  return `${text.slice(0, start)}${shown}${text.slice(end)}`;
}
