import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Runs `tool` (terraform, tofu, or the CLI double's wrapper) in `cwd`; its stdout. */
export type TerraformCli = (args: string[]) => Promise<string>;

// A clean environment, as the runner gives a step: the machine's TF_* variables
// (a TF_CLI_CONFIG_FILE, TF_IN_AUTOMATION) would change what Terraform prints,
// and the version checkpoint would reach for the network.
export function terraformCli(tool: string, cwd: string, env: Record<string, string> = {}): TerraformCli {
  return async (args) => {
    try {
      const { stdout } = await promisify(execFile)(tool, args, {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, CHECKPOINT_DISABLE: '1', ...env },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const failure = error as Error & { stderr?: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`, {
        cause: error,
      });
    }
  };
}
