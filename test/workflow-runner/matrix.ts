import type { Json } from './expressions.ts';
import { isTruthy, evaluateExpression } from './expressions.ts';

// `strategy.matrix` expanded as GitHub's MatrixBuilder does (actions/runner
// src/Sdk/WorkflowParser/Conversion/MatrixBuilder.cs): the cross product of
// the vectors in the order they are written (the first varies slowest),
// `exclude` filters, `include` entries added to each combination whose
// original values they do not overwrite (else appended as new
// combinations), display names `job (a, b)` from the vector values.

export interface MatrixLeg {
  /** The `matrix` context of the leg. */
  matrix: Record<string, Json>;
  /** Values shown after the job name: `build (linux, 18)`. */
  segments: string[];
}

export interface Strategy {
  /** No strategy, or no matrix: one leg with a null `matrix`. */
  legs: (MatrixLeg | undefined)[];
  failFast: boolean;
  maxParallel: number;
}

/** Leaf comparisons of a filter: `matrix.a.b == value`, with the expression engine's equality (case-insensitive strings). */
function leaves(value: Json, prefix: (string | number)[] = []): [(string | number)[], Json][] {
  if (value !== null && typeof value === 'object') {
    const entries: [string | number, Json][] = Array.isArray(value)
      ? value.map((item, i) => [i, item])
      : Object.entries(value);
    return entries.flatMap(([key, item]) => leaves(item, [...prefix, key]));
  }
  return [[prefix, value]];
}

/** An expression literal. */
function literal(value: Json | string | number): string {
  return typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : String(value);
}

function matches(matrix: Record<string, Json>, filter: Record<string, Json>): boolean {
  return leaves(filter).every(([pathTo, expected]) => {
    const access = pathTo.map((key) => `[${literal(key)}]`).join('');
    return isTruthy(evaluateExpression(`matrix${access} == ${literal(expected)}`, { contexts: { matrix } }));
  });
}

/** The scalar values of a combination, in order, as display name segments. */
function segmentsOf(value: Json): string[] {
  if (value === null) return [];
  if (typeof value === 'object') return (Array.isArray(value) ? value : Object.values(value)).flatMap(segmentsOf);
  return [String(value)];
}

export function expandStrategy(strategy: Json, jobId: string): Strategy {
  const prefix = `Error when evaluating 'strategy' for job '${jobId}'.`;
  if (strategy === null || strategy === undefined) return { legs: [undefined], failFast: true, maxParallel: 1 };
  if (typeof strategy !== 'object' || Array.isArray(strategy)) throw new Error(`${prefix} A mapping was expected`);
  const failFast = strategy['fail-fast'] === undefined ? true : isTruthy(strategy['fail-fast']);
  const matrix = strategy.matrix;
  if (matrix === undefined || matrix === null) {
    return { legs: [undefined], failFast, maxParallel: 1 };
  }
  if (typeof matrix !== 'object' || Array.isArray(matrix)) throw new Error(`${prefix} Unexpected value for matrix`);

  const vectors = Object.entries(matrix).filter(([key]) => key !== 'include' && key !== 'exclude');
  for (const [name, vector] of vectors) {
    if (!Array.isArray(vector))
      throw new Error(`${prefix} Unexpected value for matrix vector '${name}': a sequence was expected`);
    if (vector.length === 0) throw new Error(`${prefix} Matrix vector '${name}' does not contain any values`);
  }
  const list = (key: 'include' | 'exclude'): Record<string, Json>[] => {
    const value = matrix[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new Error(`${prefix} Unexpected value for matrix ${key}: a sequence was expected`);
    return value.map((item) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw new Error(`${prefix} Matrix ${key} items must be mappings`);
      }
      return item;
    });
  };
  const excludes = list('exclude');
  const vectorNames = new Set(vectors.map(([name]) => name));
  for (const exclude of excludes) {
    for (const key of Object.keys(exclude)) {
      if (!vectorNames.has(key))
        throw new Error(`${prefix} Matrix exclude key '${key}' does not match any key within the matrix`);
    }
  }
  // Each include splits into the keys that name vectors (a filter) and the others (extra values).
  const includes = list('include').map((entry) => ({
    filter: Object.fromEntries(Object.entries(entry).filter(([key]) => vectorNames.has(key))),
    extra: Object.fromEntries(Object.entries(entry).filter(([key]) => !vectorNames.has(key))),
    matched: false,
  }));
  if (vectors.length === 0 && includes.length === 0)
    throw new Error(`${prefix} Matrix must define at least one vector`);

  const legs: MatrixLeg[] = [];
  const size = vectors.length === 0 ? 0 : vectors.reduce((n, [, vector]) => n * (vector as Json[]).length, 1);
  for (let index = 0; index < size; index++) {
    const combination: Record<string, Json> = {};
    let block = size;
    for (const [name, vector] of vectors) {
      const values = vector as Json[];
      block /= values.length;
      combination[name] = values[Math.floor(index / block) % values.length]!;
    }
    if (excludes.some((exclude) => matches(combination, exclude))) continue;
    const segments = segmentsOf(combination);
    let extra: Record<string, Json> | undefined;
    for (const include of includes) {
      // An include naming no vector matches every combination.
      if (matches(combination, include.filter)) {
        include.matched = true;
        extra = { ...extra, ...include.extra };
      }
    }
    legs.push({ matrix: { ...combination, ...extra }, segments });
  }
  for (const include of includes) {
    if (include.matched) continue;
    const combination = { ...include.filter, ...include.extra };
    legs.push({ matrix: combination, segments: segmentsOf(combination) });
  }
  if (legs.length > 256) throw new Error(`${prefix} A matrix may not produce more than 256 jobs`);

  const maxParallel =
    typeof strategy['max-parallel'] === 'number' && strategy['max-parallel'] > 0
      ? strategy['max-parallel']
      : legs.length;
  return { legs, failFast, maxParallel };
}

/** `build (linux, 18)`, cut to 100 characters as GitHub's JobNameBuilder does. */
export function legName(base: string, leg: MatrixLeg | undefined): string {
  if (!leg || leg.segments.length === 0) return base;
  const name = `${base} (${leg.segments.join(', ')})`;
  return name.length > 100 ? `${name.slice(0, 97)}...` : name;
}
