import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import {
  parseBoolean,
  parseDurationInput,
  parseInteger,
  parseList,
  parseKeyValues,
  parseMapInput,
  parseYamlInput,
  readBoolean,
  readChoice,
  readDuration,
  readInput,
  readInteger,
  readList,
  readMap,
  readRequired,
  readSecret,
  readString,
  readYaml,
} from './inputs.ts';
import { invalidInputError } from '../../../../test/assertions.ts';

/** Runs `fn` with `INPUT_*` variables set as the runner sets them, then restores the environment. */
function withInputs<T>(inputs: Record<string, string>, fn: () => T): T {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(inputs)) {
    const key = `INPUT_${name.toUpperCase()}`;
    saved.set(key, process.env[key]);
    process.env[key] = value;
  }
  try {
    return fn();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  }
}

/** Captures what is written to stdout while `fn` runs (workflow commands such as ::add-mask::). */
function captureStdout<T>(fn: () => T): { result: T; lines: string[] } {
  const chunks: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    const result = fn();
    return { result, lines: chunks.join('').split(/\r?\n/).filter(Boolean) };
  } finally {
    process.stdout.write = original;
  }
}

describe('parseBoolean', () => {
  it('reads true, yes and on in any case as true', () => {
    for (const text of ['true', 'TRUE', 'yes', 'Yes', 'on', 'ON'])
      assert.equal(parseBoolean('dry-run', text, false), true, text);
  });

  it('reads false, no and off in any case as false', () => {
    for (const text of ['false', 'False', 'no', 'NO', 'off', 'Off'])
      assert.equal(parseBoolean('dry-run', text, true), false, text);
  });

  it('returns the fallback when the input is empty', () => {
    assert.equal(parseBoolean('dry-run', '', true), true);
    assert.equal(parseBoolean('dry-run', '', false), false);
  });

  it('rejects anything else, naming the input and the value', () => {
    assert.throws(
      () => parseBoolean('dry-run', 'maybe', false),
      invalidInputError("Input 'dry-run' must be true or false (got 'maybe')."),
    );
    assert.throws(
      () => parseBoolean('dry-run', '1', false),
      invalidInputError("Input 'dry-run' must be true or false (got '1')."),
    );
  });
});

describe('parseDurationInput', () => {
  it('returns milliseconds', () => {
    assert.equal(parseDurationInput('timeout', '30s'), 30_000);
    assert.equal(parseDurationInput('timeout', '1h30m'), 5_400_000);
    assert.equal(parseDurationInput('timeout', '10'), 10_000);
  });

  it('rejects text that is not a duration, naming the input', () => {
    assert.throws(
      () => parseDurationInput('timeout', 'soon'),
      invalidInputError("Input 'timeout' must be a positive duration such as 500ms, 30s, 5m or 1h (got 'soon')."),
    );
  });

  it('rejects zero and negative durations', () => {
    assert.throws(
      () => parseDurationInput('deadline', '0s'),
      invalidInputError("Input 'deadline' must be a positive duration such as 500ms, 30s, 5m or 1h (got '0s')."),
    );
    assert.throws(
      () => parseDurationInput('deadline', '-5m'),
      invalidInputError("Input 'deadline' must be a positive duration such as 500ms, 30s, 5m or 1h (got '-5m')."),
    );
  });
});

describe('parseInteger', () => {
  it('returns the fallback when the input is empty', () => {
    assert.equal(parseInteger('parallelism', '', 10), 10);
  });

  it('reads whole numbers, negative ones included when no range is given', () => {
    assert.equal(parseInteger('parallelism', '42', 10), 42);
    assert.equal(parseInteger('offset', '-3', 0), -3);
    assert.equal(parseInteger('parallelism', '007', 10), 7);
  });

  it('accepts the bounds of the range', () => {
    assert.equal(parseInteger('max-attempts', '1', 3, { min: 1, max: 10 }), 1);
    assert.equal(parseInteger('max-attempts', '10', 3, { min: 1, max: 10 }), 10);
  });

  it('rejects numbers outside the range, naming the range', () => {
    assert.throws(
      () => parseInteger('max-attempts', '0', 3, { min: 1, max: 10 }),
      invalidInputError("Input 'max-attempts' must be a whole number from 1 to 10 (got '0')."),
    );
    assert.throws(
      () => parseInteger('max-attempts', '11', 3, { min: 1, max: 10 }),
      invalidInputError("Input 'max-attempts' must be a whole number from 1 to 10 (got '11')."),
    );
    assert.throws(
      () => parseInteger('concurrency', '0', 4, { min: 1 }),
      invalidInputError("Input 'concurrency' must be a whole number of 1 or more (got '0')."),
    );
    assert.throws(
      () => parseInteger('lines', '11', 4, { max: 10 }),
      invalidInputError("Input 'lines' must be a whole number of at most 10 (got '11')."),
    );
  });

  it('rejects text that is not a whole number', () => {
    for (const text of ['1.5', 'ten', '1e3', '+5', '5 ', '0x10', '99999999999999999999']) {
      assert.throws(
        () => parseInteger('concurrency', text, 4, { min: 1 }),
        invalidInputError(`Input 'concurrency' must be a whole number of 1 or more (got '${text}').`),
      );
    }
  });
});

describe('parseList', () => {
  it('returns one trimmed item per line', () => {
    assert.deepEqual(parseList('https://a.example\n  https://b.example  '), ['https://a.example', 'https://b.example']);
  });

  it('skips blank lines and # comments, and splits CRLF lines', () => {
    const text = '# production\r\nhttps://a.example\r\n\r\n   \n  # staging, disabled\nhttps://b.example\r\n';
    assert.deepEqual(parseList(text), ['https://a.example', 'https://b.example']);
  });

  it('keeps a # that does not start the line', () => {
    assert.deepEqual(parseList('https://a.example/#/health'), ['https://a.example/#/health']);
  });

  it('returns no items for an empty input', () => {
    assert.deepEqual(parseList(''), []);
  });
});

describe('parseYamlInput', () => {
  it('returns undefined for an empty input', () => {
    assert.equal(parseYamlInput('checks', ''), undefined);
  });

  it('parses YAML', () => {
    assert.deepEqual(
      parseYamlInput('checks', '- url: https://a.example\n  expect-status: 200\n- url: https://b.example'),
      [{ url: 'https://a.example', 'expect-status': 200 }, { url: 'https://b.example' }],
    );
  });

  it('parses JSON', () => {
    assert.deepEqual(parseYamlInput('checks', '{"a": {"b": [true, null, 1.5]}}'), { a: { b: [true, null, 1.5] } });
  });

  it('rejects a malformed document with a one-line message naming the input and the place', () => {
    assert.throws(
      () => parseYamlInput('checks', 'a: [1, 2'),
      (error) => {
        invalidInputError(/^Input 'checks' is not valid YAML or JSON: .+ at line 1, column \d+:?$/)(error);
        assert.ok(!(error as Error).message.includes('\n'));
        return true;
      },
    );
  });

  it('rejects duplicate keys', () => {
    assert.throws(
      () => parseYamlInput('build-args', 'A: 1\nA: 2'),
      invalidInputError(/^Input 'build-args' is not valid YAML or JSON: Map keys must be unique at line 2/),
    );
  });
});

describe('parseMapInput', () => {
  it('returns an empty mapping for an empty or null document', () => {
    assert.deepEqual(parseMapInput('build-args', ''), {});
    assert.deepEqual(parseMapInput('build-args', '~'), {});
    assert.deepEqual(parseMapInput('build-args', 'null'), {});
  });

  it('returns the mapping', () => {
    assert.deepEqual(parseMapInput('build-args', 'NODE_VERSION: 24\nDEBUG: "false"'), {
      NODE_VERSION: 24,
      DEBUG: 'false',
    });
  });

  it('rejects lists and scalars, naming the input', () => {
    const message = "Input 'build-args' must be a mapping of keys to values, e.g. `key: value` on each line.";
    assert.throws(() => parseMapInput('build-args', '- a\n- b'), invalidInputError(message));
    assert.throws(() => parseMapInput('build-args', 'NODE_VERSION=24'), invalidInputError(message));
    assert.throws(() => parseMapInput('build-args', '42'), invalidInputError(message));
  });
});

describe('readers of INPUT_* variables', () => {
  it('reads the upper-cased name with hyphens kept, trimmed', () => {
    withInputs({ 'working-directory': '  infra/prod \n' }, () => {
      assert.equal(readInput('working-directory'), 'infra/prod');
    });
  });

  it('treats an unset input as empty', () => {
    assert.equal(readInput('not-set-by-anyone'), '');
  });

  it('readString returns the fallback when the input is unset or blank', () => {
    assert.equal(readString('not-set-by-anyone', 'main'), 'main');
    withInputs({ ref: '   ' }, () => assert.equal(readString('ref', 'main'), 'main'));
    withInputs({ ref: 'release' }, () => assert.equal(readString('ref', 'main'), 'release'));
  });

  it('readRequired returns the value or says how to set it', () => {
    withInputs({ 'api-token': 'abc' }, () => assert.equal(readRequired('api-token'), 'abc'));
    const message = "Input 'api-token' is required: set it in the `with:` block of this step.";
    assert.throws(() => readRequired('api-token'), invalidInputError(message));
    withInputs({ 'api-token': '  ' }, () => assert.throws(() => readRequired('api-token'), invalidInputError(message)));
  });

  it('readBoolean parses the input or returns the fallback', () => {
    withInputs({ 'dry-run': 'yes' }, () => assert.equal(readBoolean('dry-run', false), true));
    assert.equal(readBoolean('dry-run', true), true);
    withInputs({ 'dry-run': 'nope' }, () =>
      assert.throws(
        () => readBoolean('dry-run', false),
        invalidInputError("Input 'dry-run' must be true or false (got 'nope')."),
      ),
    );
  });

  it('readDuration parses the input, or the fallback when unset', () => {
    withInputs({ timeout: '2m' }, () => assert.equal(readDuration('timeout', '30s'), 120_000));
    assert.equal(readDuration('timeout', '30s'), 30_000);
    withInputs({ timeout: '2 minutes' }, () =>
      assert.throws(
        () => readDuration('timeout', '30s'),
        invalidInputError(
          "Input 'timeout' must be a positive duration such as 500ms, 30s, 5m or 1h (got '2 minutes').",
        ),
      ),
    );
  });

  it('readInteger parses the input within the range, or returns the fallback', () => {
    withInputs({ 'max-attempts': '5' }, () => assert.equal(readInteger('max-attempts', 3, { min: 1, max: 10 }), 5));
    assert.equal(readInteger('max-attempts', 3, { min: 1, max: 10 }), 3);
    withInputs({ 'max-attempts': '50' }, () =>
      assert.throws(
        () => readInteger('max-attempts', 3, { min: 1, max: 10 }),
        invalidInputError("Input 'max-attempts' must be a whole number from 1 to 10 (got '50')."),
      ),
    );
  });

  it('readChoice accepts a choice in any case and lists the choices otherwise', () => {
    const choices = ['plan', 'apply'] as const;
    withInputs({ command: 'Apply' }, () => assert.equal(readChoice('command', choices, 'plan'), 'apply'));
    assert.equal(readChoice('command', choices, 'plan'), 'plan');
    withInputs({ command: 'destroy' }, () =>
      assert.throws(
        () => readChoice('command', choices, 'plan'),
        invalidInputError("Input 'command' must be one of plan, apply (got 'destroy')."),
      ),
    );
  });

  it('readList splits the input into lines', () => {
    withInputs({ urls: 'https://a.example\r\n# off\r\nhttps://b.example' }, () =>
      assert.deepEqual(readList('urls'), ['https://a.example', 'https://b.example']),
    );
    assert.deepEqual(readList('urls'), []);
  });

  it('readYaml and readMap parse the input', () => {
    withInputs({ checks: '- url: https://a.example' }, () =>
      assert.deepEqual(readYaml('checks'), [{ url: 'https://a.example' }]),
    );
    assert.equal(readYaml('checks'), undefined);
    withInputs({ labels: 'team: infra' }, () => assert.deepEqual(readMap('labels'), { team: 'infra' }));
    assert.deepEqual(readMap('labels'), {});
    withInputs({ labels: '- infra' }, () =>
      assert.throws(
        () => readMap('labels'),
        invalidInputError("Input 'labels' must be a mapping of keys to values, e.g. `key: value` on each line."),
      ),
    );
  });
});

describe('readSecret', () => {
  it('registers a one-line secret with the mask before returning it', () => {
    const { result, lines } = withInputs({ 'registry-password': 's3cr3t-value' }, () =>
      captureStdout(() => readSecret('registry-password')),
    );
    assert.equal(result, 's3cr3t-value');
    assert.deepEqual(lines, ['::add-mask::s3cr3t-value']);
  });

  it('registers the whole value and every line of a multi-line secret, returning the value untouched', () => {
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAA\n  QyNTUxOQAAACDx  \n-----END OPENSSH PRIVATE KEY-----\n';
    const { result, lines } = withInputs({ 'ssh-key': key }, () => captureStdout(() => readSecret('ssh-key')));
    assert.equal(result, key, 'a key needs its line breaks and final newline');
    const masked = lines
      .filter((line) => line.startsWith('::add-mask::'))
      .map((line) => line.slice('::add-mask::'.length));
    assert.equal(masked.length, lines.length, 'nothing but mask commands is printed');
    assert.ok(!lines.some((line) => line === 'b3BlbnNzaC1rZXktdjEAAAAA'), 'no secret line is printed bare');
    for (const part of [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAA',
      'QyNTUxOQAAACDx',
      '-----END OPENSSH PRIVATE KEY-----',
    ]) {
      assert.ok(masked.includes(part), `line '${part}' is registered`);
    }
    assert.ok(
      masked.includes(
        '-----BEGIN OPENSSH PRIVATE KEY-----%0D%0Ab3BlbnNzaC1rZXktdjEAAAAA%0A  QyNTUxOQAAACDx  %0A-----END OPENSSH PRIVATE KEY-----%0A',
      ),
      'the whole value is registered too',
    );
  });

  it('returns empty and registers nothing for an unset or blank secret', () => {
    const unset = captureStdout(() => readSecret('registry-password'));
    assert.equal(unset.result, '');
    assert.deepEqual(unset.lines, []);
    const blank = withInputs({ 'registry-password': ' \n ' }, () =>
      captureStdout(() => readSecret('registry-password')),
    );
    assert.equal(blank.result, '');
    assert.deepEqual(blank.lines, []);
  });
});

describe('parseKeyValues', () => {
  it('splits each line at its first =, keeping the value verbatim', () => {
    assert.deepEqual(parseKeyValues('build-args', 'VERSION=1.2\nQUERY=a=b&c="d e"\n# note\nEMPTY='), {
      VERSION: '1.2',
      QUERY: 'a=b&c="d e"',
      EMPTY: '',
    });
  });

  it('refuses a line without a key, without quoting it', () => {
    assert.throws(
      () => parseKeyValues('secrets', 'token=abc\nhunter2'),
      invalidInputError("Input 'secrets' line 2 is not KEY=VALUE; write one KEY=VALUE per line"),
    );
    assert.throws(() => parseKeyValues('labels', '=x'), invalidInputError(/line 1 is not KEY=VALUE/));
  });
});
