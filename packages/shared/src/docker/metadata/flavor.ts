import { invalidInput } from '../../action/action-error.ts';
import { EXPRESSION_FIX, expressionProblem, GLOBAL_NAMES } from './expressions.ts';
import { csvFields, inputLines, splitAttribute } from './input-lines.ts';

// The `flavor` input: global tag options, as metadata-action reads them.

export interface Flavor {
  latest: 'auto' | 'true' | 'false';
  prefix: string;
  suffix: string;
  prefixLatest: boolean;
  suffixLatest: boolean;
}

/** `latest=auto|true|false`, `prefix=...[,onlatest=true]`, `suffix=...[,onlatest=true]`. */
export function parseFlavor(text: string, warnings: string[] = []): Flavor {
  const flavor: Flavor = { latest: 'auto', prefix: '', suffix: '', prefixLatest: false, suffixLatest: false };
  for (const { line, number } of inputLines(text)) {
    const fail = (problem: string, fix: string) =>
      invalidInput('flavor', `${problem} in line ${number}: ${line}; ${fix}.`);
    let onLatestFor: 'prefix' | 'suffix' | undefined;
    for (const field of csvFields(line, fail)) {
      const entry = splitAttribute(field);
      if (!entry) throw fail(`has '${field}' without a key`, 'write key=value, e.g. latest=auto or prefix=dev-');
      const [key, value] = entry;
      switch (key) {
        case 'latest':
          if (value !== 'auto' && value !== 'true' && value !== 'false') {
            throw fail(`has latest=${value}`, 'use latest=auto, latest=true or latest=false');
          }
          flavor.latest = value;
          break;
        case 'prefix':
        case 'suffix': {
          const problem = expressionProblem(value, GLOBAL_NAMES, warnings);
          if (problem) throw fail(`has ${problem} in ${key}`, EXPRESSION_FIX);
          flavor[key] = value;
          onLatestFor = key;
          break;
        }
        case 'onlatest':
          if (value !== 'true' && value !== 'false') throw fail(`has onlatest=${value}`, 'use onlatest=true or false');
          if (!onLatestFor)
            throw fail('has onlatest without a prefix or suffix before it', 'write prefix=...,onlatest=true');
          flavor[onLatestFor === 'prefix' ? 'prefixLatest' : 'suffixLatest'] = value === 'true';
          break;
        default:
          throw fail(`has an unknown key '${key}'`, 'use latest, prefix, suffix or onlatest');
      }
    }
  }
  return flavor;
}
