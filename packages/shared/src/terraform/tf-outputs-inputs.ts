import path from 'node:path';
import { repositoryRoot } from '../action/inputs.ts';
import { checkStackFiles, readStackLocation, readStackSetupSettings } from './terraform-inputs.ts';
import type { TfOutputsSettings } from './tf-outputs.ts';

/** Reads and checks every tf-outputs input before anything runs: the stack inputs tf-apply takes, nothing more. */
export function readTfOutputsSettings(): TfOutputsSettings {
  const { settings: setup } = readStackSetupSettings();
  const location = readStackLocation();
  checkStackFiles(
    { varFiles: [], backendConfig: setup.backendConfig },
    path.resolve(repositoryRoot().dir, location.workingDirectory),
  );
  return { ...setup, ...location };
}
