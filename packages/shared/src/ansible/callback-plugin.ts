import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

// The iac_results callback plugin is a Python file. ncc ships what
// `new URL(…, import.meta.url)` names beside the bundle, under a hashed name;
// Ansible finds a plugin by its file name, so each run puts a copy named
// iac_results.py in its own directory.
const PLUGIN = new URL('./callback_plugins/iac_results.py', import.meta.url);

/** Copies the plugin into `workDir` and returns the directory to give Ansible as ANSIBLE_CALLBACK_PLUGINS. */
export async function installCallbackPlugin(workDir: string): Promise<string> {
  const dir = path.join(workDir, 'callback_plugins');
  await mkdir(dir, { recursive: true });
  await copyFile(PLUGIN, path.join(dir, 'iac_results.py'));
  return dir;
}
