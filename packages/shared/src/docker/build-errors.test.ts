import { describe, expect, it } from 'vitest';
import { buildErrorHeadline, buildOutputTail } from './build-errors.ts';

// Real outputs of failed builds: the classic builder's (docker 20.10 and 27,
// stderr as printed, with the deprecation notice first) and BuildKit's
// (buildx, plain progress as in CI).

const DEPRECATION = `DEPRECATED: The legacy builder is deprecated and will be removed in a future release.
            Install the buildx component to build images with BuildKit:
            https://docs.docker.com/go/buildx/

`;

const cases: [name: string, output: string, headline: string][] = [
  [
    'classic: a RUN that exits non-zero',
    `${DEPRECATION}The command '/bin/sh -c false' returned a non-zero code: 1\n`,
    "The command '/bin/sh -c false' returned a non-zero code: 1",
  ],
  [
    'classic: a COPY of a file not in the context',
    `${DEPRECATION}COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist\n`,
    'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist',
  ],
  [
    'classic: an unknown instruction',
    `${DEPRECATION}Error response from daemon: dockerfile parse error line 2: unknown instruction: FOO\n`,
    'dockerfile parse error line 2: unknown instruction: FOO',
  ],
  [
    'classic: a base image that cannot be pulled',
    `${DEPRECATION}Error response from daemon: pull access denied for nope/base, repository does not exist or may require 'docker login': denied: requested access to the resource is denied\n`,
    "pull access denied for nope/base, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
  ],
  [
    'classic: a registry that does not answer',
    `${DEPRECATION}Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused\n`,
    'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
  ],
  [
    'classic: a context that does not exist',
    'unable to prepare context: path "nowhere" not found\n',
    'unable to prepare context: path "nowhere" not found',
  ],
  [
    'BuildKit: a RUN that exits non-zero',
    `#0 building with "builder" instance using docker-container driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 72B done
#1 DONE 0.0s

#5 [2/2] RUN false
#5 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1
------
 > [2/2] RUN false:
------
Dockerfile:2
--------------------
   1 |     FROM alpine:3.20
   2 | >>> RUN false
   3 |
--------------------
ERROR: failed to solve: process "/bin/sh -c false" did not complete successfully: exit code: 1
`,
    'failed to solve: process "/bin/sh -c false" did not complete successfully: exit code: 1',
  ],
  [
    'BuildKit (buildx 0.23+): failed to build: failed to solve',
    `#6 [2/2] COPY missing.txt /x
#6 ERROR: failed to calculate checksum of ref 3b1f0c0e::q9x: "/missing.txt": not found
------
 > [2/2] COPY missing.txt /x:
------
ERROR: failed to build: failed to solve: failed to compute cache key: failed to calculate checksum of ref 3b1f0c0e::q9x: "/missing.txt": not found
`,
    'failed to solve: failed to compute cache key: failed to calculate checksum of ref 3b1f0c0e::q9x: "/missing.txt": not found',
  ],
  [
    'BuildKit: an unknown instruction',
    `#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 58B done
#1 DONE 0.0s
Dockerfile:2
--------------------
   1 |     FROM scratch
   2 | >>> FOO bar
   3 |
--------------------
ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: FOO
`,
    'failed to solve: dockerfile parse error on line 2: unknown instruction: FOO',
  ],
  [
    'BuildKit (older docker): failed to solve with frontend',
    'error: failed to solve: failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 2: unknown instruction: FOO\n',
    'failed to solve: failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 2: unknown instruction: FOO',
  ],
  [
    'buildx: a builder that cannot start',
    'ERROR: failed to initialize builder builder (builder0): Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
    'failed to initialize builder builder (builder0): Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
  ],
  ['nothing printed', `${DEPRECATION}`, '(the build printed nothing)'],
];

describe('buildErrorHeadline', () => {
  it.each(cases)('%s', (_name, output, headline) => {
    expect(buildErrorHeadline(output)).toBe(headline);
  });

  it('never takes the deprecation notice for the error', () => {
    for (const [, output] of cases) expect(buildErrorHeadline(output)).not.toMatch(/docs\.docker\.com\/go\/buildx/);
  });

  it("prefers the builder's verdict to a line a RUN printed", () => {
    const output = `Step 3/3 : RUN ./test.sh\nError: 2 tests failed\n${DEPRECATION}The command '/bin/sh -c ./test.sh' returned a non-zero code: 2\n`;
    expect(buildErrorHeadline(output)).toBe("The command '/bin/sh -c ./test.sh' returned a non-zero code: 2");
  });
});

describe('buildOutputTail', () => {
  it('keeps the last lines, without the deprecation notice or blank edges', () => {
    const stdout =
      'Sending build context to Docker daemon  1.99MB\nStep 1/3 : FROM scratch\n ---> \nStep 3/3 : RUN false\n';
    const output = `${stdout}\n${DEPRECATION}The command '/bin/sh -c false' returned a non-zero code: 1\n`;
    expect(buildOutputTail(output, 3)).toBe(
      "Step 3/3 : RUN false\n\nThe command '/bin/sh -c false' returned a non-zero code: 1",
    );
    expect(buildOutputTail(output)).not.toContain('DEPRECATED');
    expect(buildOutputTail(output).split('\n')[0]).toBe('Sending build context to Docker daemon  1.99MB');
  });
});
