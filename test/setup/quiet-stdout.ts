// The runner commands (action/runner-commands.ts) write workflow commands (`::debug::`, `::add-mask::`) with
// process.stdout.write, which vitest does not capture. Routed through the
// console, they are printed only under a failing test, like every other log.
for (const [stream, print] of [
  [process.stdout, console.log],
  [process.stderr, console.error],
] as const) {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    print(text.endsWith('\n') ? text.slice(0, -1) : text);
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    callback?.();
    return true;
  }) as typeof stream.write;
}
