import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { invalidInputError } from '../../../../test/assertions.ts';
import { isValidTag, parseDigestReference, parseImageName } from './image-reference.ts';

const HINT = 'write it as registry/path/name without a tag, e.g. ghcr.io/org/app';

/** The error for `text` in input 'images', with this reason. */
function rejected(text: string, why: string) {
  return invalidInputError(`Input 'images' has '${text}', which is not a valid image name: ${why}; ${HINT}`);
}

describe('parseImageName', () => {
  it('puts a name without a registry on Docker Hub, under library/ when it has one component', () => {
    assert.deepEqual(parseImageName('app'), {
      registry: 'docker.io',
      repository: 'library/app',
      name: 'docker.io/library/app',
    });
    assert.deepEqual(parseImageName('org/app'), {
      registry: 'docker.io',
      repository: 'org/app',
      name: 'docker.io/org/app',
    });
    assert.deepEqual(parseImageName('org/team/app').name, 'docker.io/org/team/app');
  });

  it("takes Docker Hub's other host names for docker.io", () => {
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.IO']) {
      assert.deepEqual(parseImageName(`${host}/app`), {
        registry: 'docker.io',
        repository: 'library/app',
        name: 'docker.io/library/app',
      });
      assert.equal(parseImageName(`${host}/org/app`).name, 'docker.io/org/app');
    }
  });

  it('reads a first component with a dot, a port or localhost as the registry', () => {
    assert.deepEqual(parseImageName('ghcr.io/octo-org/app'), {
      registry: 'ghcr.io',
      repository: 'octo-org/app',
      name: 'ghcr.io/octo-org/app',
    });
    assert.deepEqual(parseImageName('localhost:5000/app'), {
      registry: 'localhost:5000',
      repository: 'app',
      name: 'localhost:5000/app',
    });
    assert.equal(parseImageName('localhost/app').registry, 'localhost');
    assert.equal(parseImageName('registry:5000/app').registry, 'registry:5000');
    assert.equal(parseImageName('[::1]:5000/app').name, '[::1]:5000/app');
    assert.equal(parseImageName('10.0.0.7/team/app').registry, '10.0.0.7');
    assert.equal(
      parseImageName('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app').name,
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app',
    );
  });

  it('gives a registry host in lowercase', () => {
    assert.equal(parseImageName('GHCR.io/org/app').name, 'ghcr.io/org/app');
  });

  it("accepts every separator of the grammar: '.', '_', '__' and runs of '-'", () => {
    for (const name of [
      'ghcr.io/o/a.b',
      'ghcr.io/o/a_b',
      'ghcr.io/o/a__b',
      'ghcr.io/o/a-b',
      'ghcr.io/o/a---b',
      'a0/9z',
    ]) {
      assert.doesNotThrow(() => parseImageName(name), name);
    }
  });

  it('refuses a tag or a digest, saying which', () => {
    assert.throws(() => parseImageName('ghcr.io/org/app:v1'), rejected('ghcr.io/org/app:v1', "it has a tag (':v1')"));
    assert.throws(() => parseImageName('app:latest'), rejected('app:latest', "it has a tag (':latest')"));
    assert.throws(
      () => parseImageName('localhost:5000/app:1.0'),
      rejected('localhost:5000/app:1.0', "it has a tag (':1.0')"),
    );
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.throws(
      () => parseImageName(`ghcr.io/org/app@${digest}`),
      rejected(`ghcr.io/org/app@${digest}`, `it has a digest ('@${digest}')`),
    );
  });

  it('refuses uppercase in the path', () => {
    assert.throws(
      () => parseImageName('ghcr.io/Org/App'),
      rejected('ghcr.io/Org/App', "a repository path must be lowercase ('Org/App')"),
    );
    assert.throws(() => parseImageName('MyApp'), rejected('MyApp', "a repository path must be lowercase ('MyApp')"));
  });

  it('refuses a Docker Hub namespace in capitals rather than take it for a host', () => {
    assert.throws(
      () => parseImageName('MyOrg/app'),
      rejected(
        'MyOrg/app',
        "'MyOrg' has uppercase letters: a Docker Hub namespace is lowercase, a registry host has a dot or a port",
      ),
    );
  });

  it('refuses empty names and empty or malformed path components', () => {
    assert.throws(() => parseImageName(''), rejected('', 'it is empty'));
    const empty = "it has an empty path component (a leading, trailing or doubled '/')";
    assert.throws(() => parseImageName('ghcr.io/org//app'), rejected('ghcr.io/org//app', empty));
    assert.throws(() => parseImageName('ghcr.io/org/app/'), rejected('ghcr.io/org/app/', empty));
    assert.throws(() => parseImageName('/app'), rejected('/app', empty));
    assert.throws(
      () => parseImageName('ghcr.io/'),
      rejected('ghcr.io/', "it has no repository path after the registry 'ghcr.io'"),
    );
    const component = (c: string) =>
      `'${c}' is not a valid path component: use lowercase letters and digits, separated by '.', '_', '__' or '-'`;
    for (const [name, bad] of [
      ['ghcr.io/org/-app', '-app'],
      ['ghcr.io/org/app-', 'app-'],
      ['ghcr.io/org/a..b', 'a..b'],
      ['ghcr.io/org/a___b', 'a___b'],
      ['ghcr.io/org/a._b', 'a._b'],
      ['ghcr.io/org/.app', '.app'],
      ['ghcr.io/org/ap%p', 'ap%p'],
    ] as const) {
      assert.throws(() => parseImageName(name), rejected(name, component(bad)), name);
    }
  });

  it('refuses whitespace, a URL scheme and a bare image ID', () => {
    assert.throws(() => parseImageName('ghcr.io/org/app '), rejected('ghcr.io/org/app ', 'it contains whitespace'));
    assert.throws(
      () => parseImageName('https://ghcr.io/org/app'),
      rejected('https://ghcr.io/org/app', "drop the scheme 'https://'"),
    );
    const id = 'f'.repeat(64);
    assert.throws(() => parseImageName(id), rejected(id, 'it is an image ID (64 hexadecimal digits), not a name'));
  });

  it('refuses a registry alone, and a malformed registry host', () => {
    assert.throws(
      () => parseImageName('localhost:5000'),
      rejected('localhost:5000', 'it names only a registry, with no repository path'),
    );
    assert.throws(
      () => parseImageName('ghcr.io:443'),
      rejected('ghcr.io:443', 'it names only a registry, with no repository path'),
    );
    assert.throws(
      () => parseImageName('registry.local:http/app'),
      rejected(
        'registry.local:http/app',
        "'registry.local:http' is not a valid registry host: 'http' is not a port number",
      ),
    );
    assert.throws(
      () => parseImageName('registry.local:70000/app'),
      rejected(
        'registry.local:70000/app',
        "'registry.local:70000' is not a valid registry host: '70000' is not a port number",
      ),
    );
    assert.throws(
      () => parseImageName('-bad.example/app'),
      rejected('-bad.example/app', "'-bad.example' is not a valid registry host: use letters, digits, '-' and '.'"),
    );
    assert.throws(
      () => parseImageName('bad..example/app'),
      rejected('bad..example/app', "'bad..example' is not a valid registry host: use letters, digits, '-' and '.'"),
    );
  });

  it('refuses a canonical name longer than 255 characters', () => {
    const path = `org/${'a'.repeat(241)}`;
    assert.equal(parseImageName(path).name.length, 255);
    const longer = `${path}b`;
    assert.throws(
      () => parseImageName(longer),
      invalidInputError(
        `Input 'images' has '${longer.slice(0, 200)}…', which is not a valid image name: it is 256 characters long with its registry (docker.io), more than 255; ${HINT}`,
      ),
    );
  });

  it('quotes a long or multi-line name cut, on one line', () => {
    const long = `ghcr.io/org/${'x'.repeat(120_000)}`;
    expect(() => parseImageName(long)).toThrow(
      /^Input 'images' has 'ghcr\.io\/org\/x{188}…', which is not a valid image name: it is 120012 characters long/,
    );
    expect(() => parseImageName('ghcr.io/org/app\r\nother')).toThrow(
      /^Input 'images' has 'ghcr\.io\/org\/app\\r\\nother', which is not a valid image name: it contains whitespace/,
    );
  });

  it('names the input it was given', () => {
    assert.throws(
      () => parseImageName('app:v1', 'image'),
      invalidInputError(`Input 'image' has 'app:v1', which is not a valid image name: it has a tag (':v1'); ${HINT}`),
    );
  });
});

describe('isValidTag', () => {
  it('accepts what Docker accepts', () => {
    for (const tag of ['latest', 'v1.2.3', '1.0.0-rc.1', 'sha-0123abc', '_private', 'A_B.c-d', 'x'.repeat(128)]) {
      assert.equal(isValidTag(tag), true, tag);
    }
  });

  it('refuses the rest', () => {
    for (const tag of ['', '.hidden', '-dash', 'feature/x', 'a+b', 'a b', 'v1:2', 'x'.repeat(129), 'tag\n']) {
      assert.equal(isValidTag(tag), false, JSON.stringify(tag));
    }
  });
});

describe('parseDigestReference (source-image)', () => {
  const DIGEST = `sha256:${'ab'.repeat(32)}`;

  it('reads name@digest, dropping a tag written before the digest', () => {
    expect(parseDigestReference(`ghcr.io/org/app@${DIGEST}`, 'source-image')).toEqual({
      image: { registry: 'ghcr.io', repository: 'org/app', name: 'ghcr.io/org/app' },
      digest: DIGEST,
      reference: `ghcr.io/org/app@${DIGEST}`,
    });
    expect(parseDigestReference(`127.0.0.1:5000/app:1.0@${DIGEST}`, 'source-image').reference).toBe(
      `127.0.0.1:5000/app@${DIGEST}`,
    );
    expect(parseDigestReference(`org/app@${DIGEST}`, 'source-image').reference).toBe(`docker.io/org/app@${DIGEST}`);
  });

  it('requires a digest, since a tag could move', () => {
    expect(() => parseDigestReference('ghcr.io/org/app:1.0', 'source-image')).toThrow(
      /^Input 'source-image' is 'ghcr\.io\/org\/app:1\.0', which has no digest: name the image by digest/,
    );
    expect(() => parseDigestReference('ghcr.io/org/app@sha256:abc', 'source-image')).toThrow(
      /^Input 'source-image' has the digest 'sha256:abc': write sha256: and 64 lowercase hexadecimal digits$/,
    );
    expect(() => parseDigestReference(`ghcr.io/Org/App@${DIGEST}`, 'source-image')).toThrow(
      /^Input 'source-image' has .*which is not a valid image name/,
    );
  });
});
