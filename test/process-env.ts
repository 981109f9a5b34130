import type { TestContext } from 'vitest';

/** Sets environment variables for one test, as the runner would for a step, and restores them after it. */
export function useEnv(t: TestContext, vars: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  t.onTestFinished(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  });
}
