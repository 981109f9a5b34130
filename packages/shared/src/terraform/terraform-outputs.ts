import type { TerraformOutput } from './cli.ts';
import { MIN_SECRET_LENGTH } from '../action/mask.ts';
import { stringLeaves } from '../util/values.ts';
import { isSecretName } from './plan-mask.ts';

// The root outputs of a stack as an action output: `terraform output -json`
// without the secret ones, whose values are returned to be masked. One rule
// with the plans tf-plan shows: an output is secret when Terraform marks it
// sensitive, or when its name says it holds one (`db_password`, `api_token`),
// as plan-mask judges names.

export interface PublicOutputs {
  /** The outputs in `terraform output -json`'s shape, the secret ones removed. */
  outputs: Record<string, TerraformOutput>;
  /** Names of the outputs removed: sensitive, or named like a secret. */
  sensitive: string[];
  /** The values of the removed outputs (each string and number inside), to register as secrets. */
  secrets: string[];
}

export function publicOutputs(all: Record<string, TerraformOutput>): PublicOutputs {
  const outputs: Record<string, TerraformOutput> = {};
  const sensitive: string[] = [];
  const secrets = new Set<string>();
  for (const [name, output] of Object.entries(all)) {
    if (!output.sensitive && !isSecretName(name)) {
      outputs[name] = output;
      continue;
    }
    sensitive.push(name);
    for (const value of stringLeaves(output.value)) if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
  }
  return { outputs, sensitive, secrets: [...secrets] };
}
