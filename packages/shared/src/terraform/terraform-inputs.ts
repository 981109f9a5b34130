import { readChoice, readDuration, readList, readMap, readString } from '../action/inputs.ts';
import { maskSecret, MIN_SECRET_LENGTH } from '../action/mask.ts';
import type { TerraformTool } from './install.ts';
import { stringLeaves } from '../util/values.ts';

// The inputs every Terraform action of the suite takes, read one way: tool
// and version, backend and variables, the lock timeout.

export interface TerraformSettings {
  tool: TerraformTool;
  version: string;
  mirrorUrl: string;
  backendConfig: string[];
  varFiles: string[];
  /** Values as given (lists and maps stay typed). */
  variables: Record<string, unknown>;
  /** Milliseconds. */
  lockTimeout: number;
}

/**
 * Reads the shared Terraform inputs. Variable values and backend settings may
 * be credentials: each is registered with the runner's mask and returned, so
 * that what the action posts through the API (comments, issues) is scrubbed of
 * them too. Values shorter than a secret can be (`on`, `3`) are not masked:
 * they would star out every word that contains them.
 */
export function readTerraformSettings(defaults: { lockTimeout: string }): {
  terraform: TerraformSettings;
  secrets: string[];
} {
  // Variables given to the step as TF_VAR_* are secrets as much as `variables`:
  // Terraform's error messages quote them. Registered before any input is parsed.
  const fromEnvironment = Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('TF_VAR_') && value)
    .map(([, value]) => value!.trim());
  fromEnvironment.filter((value) => value.length >= MIN_SECRET_LENGTH).forEach(maskSecret);
  const variables = readMap('variables');
  const backendConfig = readList('backend-config');
  const secrets = [
    ...fromEnvironment,
    ...stringLeaves(variables),
    ...backendConfig.filter((item) => item.includes('=')).map((item) => item.slice(item.indexOf('=') + 1).trim()),
  ].filter((value) => value.length >= MIN_SECRET_LENGTH);
  secrets.forEach(maskSecret);
  const terraform: TerraformSettings = {
    tool: readChoice('tool', ['terraform', 'tofu'] as const, 'terraform'),
    version: readString('version'),
    mirrorUrl: readString('mirror-url'),
    backendConfig,
    varFiles: readList('var-files'),
    variables,
    lockTimeout: readDuration('lock-timeout', defaults.lockTimeout),
  };
  return { terraform, secrets };
}
