import { invalidInput } from '../action/action-error.ts';

// Image names as Docker reads them, after the grammar of distribution/reference
// (reference/regexp.go, normalize.go). Hand-written because no maintained npm
// package carries that grammar with errors a user can act on; the rules are few.

export interface ImageName {
  /** host[:port], lowercase; `docker.io` for Docker Hub. */
  registry: string;
  /** The path without the host, e.g. `library/app`, `org/team/app`. */
  repository: string;
  /** The canonical name to tag with: `${registry}/${repository}`. */
  name: string;
}

const DOCKER_HUB = 'docker.io';
/** Hosts that are Docker Hub under another name. */
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);

/** alpha-numeric [separator alpha-numeric]*, separator := [_.] | __ | [-]+ */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A bare image ID, which Docker refuses as a name. */
const IMAGE_ID = /^[a-f0-9]{64}$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Checked on the whole canonical name, as older Docker engines do; newer ones check only the path. */
const NAME_MAX_LENGTH = 255;

const EXAMPLE = 'write it as registry/path/name without a tag, e.g. ghcr.io/org/app';

/**
 * Reads an image name (no tag, no digest) as Docker would and gives its
 * canonical form: `app` is `docker.io/library/app`, `org/app` is
 * `docker.io/org/app`, `ghcr.io/org/app` stays itself. Anything Docker would
 * refuse, or would read as something else (a tag, a digest), is an
 * invalid-input error naming `inputName`.
 */
export function parseImageName(text: string, inputName = 'images'): ImageName {
  const why = problemOf(text);
  if (typeof why === 'string') {
    throw invalidInput(inputName, `has ${shown(text)}, which is not a valid image name: ${why}; ${EXAMPLE}`);
  }
  return why;
}

/** A name from the input, for a message: JSON-quoted (one line), cut when long. */
function shown(text: string, max = 200): string {
  const json = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
  return `'${json.slice(1, -1)}'`;
}

/** Why `host` (host[:port], as in an image name) is not a registry host, or undefined when it is one. */
export function registryHostProblem(host: string): string | undefined {
  if (host === '') return 'it is empty';
  if (/[\s/@?#]/.test(host))
    return `${shown(host)} is not a registry host: write host[:port], e.g. ghcr.io or registry.example:5000`;
  return registryProblem(host);
}

/** Whether Docker accepts `tag` as an image tag. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** The parsed name, or why it is not one. */
function problemOf(text: string): ImageName | string {
  if (text === '') return 'it is empty';
  if (/\s/.test(text)) return 'it contains whitespace';
  const scheme = SCHEME.exec(text);
  if (scheme) return `drop the scheme '${scheme[0]}'`;
  const at = text.indexOf('@');
  if (at >= 0) return `it has a digest ('${text.slice(at)}')`;
  if (IMAGE_ID.test(text)) return 'it is an image ID (64 hexadecimal digits), not a name';

  const slash = text.indexOf('/');
  const lastSlash = text.lastIndexOf('/');
  const colon = text.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    const before = text.slice(0, colon);
    if (slash < 0 && /^\d+$/.test(text.slice(colon + 1)) && (before.includes('.') || before === 'localhost')) {
      return 'it names only a registry, with no repository path';
    }
    return `it has a tag ('${text.slice(colon)}')`;
  }

  let registry = DOCKER_HUB;
  let path = text;
  if (slash >= 0) {
    const first = text.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      const hostProblem = registryProblem(first);
      if (hostProblem) return hostProblem;
      registry = first.toLowerCase();
      path = text.slice(slash + 1);
    } else if (first !== first.toLowerCase()) {
      // distribution would take this for a registry host; it is far more
      // likely a Docker Hub namespace written with capitals.
      return `'${first}' has uppercase letters: a Docker Hub namespace is lowercase, a registry host has a dot or a port`;
    }
  }
  if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  if (path === '') return `it has no repository path after the registry '${registry}'`;
  if (path !== path.toLowerCase()) return `a repository path must be lowercase ('${path}')`;
  for (const component of path.split('/')) {
    if (component === '') return "it has an empty path component (a leading, trailing or doubled '/')";
    if (!PATH_COMPONENT.test(component)) {
      return `'${component}' is not a valid path component: use lowercase letters and digits, separated by '.', '_', '__' or '-'`;
    }
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;

  const name = `${registry}/${path}`;
  if (name.length > NAME_MAX_LENGTH) {
    return `it is ${name.length} characters long with its registry (${registry}), more than ${NAME_MAX_LENGTH}`;
  }
  return { registry, repository: path, name };
}

/** Why `domain` (host[:port]) is not a registry host, or undefined when it is one. */
function registryProblem(domain: string): string | undefined {
  const invalid = `'${domain}' is not a valid registry host`;
  let host = domain;
  let port: string | undefined;
  const portAt = domain.startsWith('[') ? domain.indexOf(':', domain.indexOf(']')) : domain.indexOf(':');
  if (portAt >= 0) {
    host = domain.slice(0, portAt);
    port = domain.slice(portAt + 1);
  }
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65_535)) {
    return `${invalid}: '${port}' is not a port number`;
  }
  if (IPV6_HOST.test(host)) return undefined;
  if (!host.split('.').every((component) => DOMAIN_COMPONENT.test(component))) {
    return `${invalid}: use letters, digits, '-' and '.'`;
  }
  return undefined;
}

/** An existing image named by digest: what `source-image` gives. */
export interface DigestReference {
  image: ImageName;
  /** `sha256:` and 64 hex digits. */
  digest: string;
  /** `${image.name}@${digest}`: the tag, if one was written, dropped (the digest is what is copied). */
  reference: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Reads `name[:tag]@sha256:…`. A digest is required: a tag could move between
 * the tests of an image and its promotion, a digest cannot.
 */
export function parseDigestReference(text: string, inputName: string): DigestReference {
  const at = text.indexOf('@');
  if (at < 0) {
    throw invalidInput(
      inputName,
      `is ${shown(text)}, which has no digest: name the image by digest (registry/app@sha256:…), since a tag could move; the digest is the 'digest' output of the step that pushed it`,
    );
  }
  const digest = text.slice(at + 1);
  if (!DIGEST.test(digest)) {
    throw invalidInput(inputName, `has the digest ${shown(digest)}: write sha256: and 64 lowercase hexadecimal digits`);
  }
  let name = text.slice(0, at);
  // A tag before the digest is allowed by Docker and ignored by it: so here.
  const tagAt = name.indexOf(':', name.lastIndexOf('/') + 1);
  if (tagAt >= 0 && isValidTag(name.slice(tagAt + 1))) name = name.slice(0, tagAt);
  const image = parseImageName(name, inputName);
  return { image, digest, reference: `${image.name}@${digest}` };
}
