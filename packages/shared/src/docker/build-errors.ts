// What a person needs from a failed `docker build`: the line that says what
// went wrong, not the classic builder's deprecation notice printed first, nor
// BuildKit's progress. Pure: the output in, the headline and a tail out.

/** The classic builder's notice, printed before every build: never the error. */
const NOISE = [
  /^DEPRECATED: The legacy builder is deprecated/,
  /^Install the buildx component to build images with BuildKit:?$/,
  /^https:\/\/docs\.docker\.com\/go\/buildx\/?$/,
  /^BuildKit is currently disabled; enable it/,
];

/**
 * The error lines docker and buildx print, most telling first: BuildKit's
 * verdict, then the classic builder's step failures, then the daemon's and
 * the CLI's own errors. The first group captures what to show.
 */
const ERRORS = [
  // BuildKit: `ERROR: failed to solve: …` (buildx ≥ 0.23: `ERROR: failed to build: failed to solve: …`).
  /^(?:(?:ERROR|error):\s+)?(?:failed to build:\s+)?(failed to solve: .+)$/,
  // Classic builder: a RUN that exited non-zero.
  /^(The command '.+' returned a non-zero code: \d+)$/,
  /^((?:COPY|ADD) failed: .+)$/,
  /^(unable to prepare context: .+)$/,
  /^Error response from daemon: (.+)$/,
  // BuildKit: a step's own error (`#5 ERROR: process "/bin/sh -c false" did not complete …`), buildx's errors.
  /^(?:#\d+\s+)?ERROR:?\s+(.+)$/,
  /^((?:error|Error)\b.+)$/,
];

function meaningful(output: string): string[] {
  return output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !NOISE.some((noise) => noise.test(line)));
}

/** The first real error line of a failed build's output; its last meaningful line when none looks like one. */
export function buildErrorHeadline(output: string): string {
  const lines = meaningful(output);
  for (const pattern of ERRORS) {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match) return match[1]!;
    }
  }
  return lines.at(-1) ?? '(the build printed nothing)';
}

/** The last `count` lines of the build's output, without the deprecation notice, for the job summary. */
export function buildOutputTail(output: string, count = 15): string {
  const lines = output
    .split(/\r?\n/)
    .filter((line) => !NOISE.some((noise) => noise.test(line.trim())))
    .map((line) => line.trimEnd())
    // One blank line where the notice or stdout's end left several.
    .filter((line, index, all) => line !== '' || all[index - 1] !== '');
  while (lines.length && lines.at(-1) === '') lines.pop();
  while (lines.length && lines[0] === '') lines.shift();
  return lines.slice(-count).join('\n');
}
