import * as core from '@actions/core';

/**
 * Registers a secret with the runner's mask: the whole value and each line of
 * it, because the runner masks line by line and a multi-line value (a key, a
 * certificate) would otherwise show through. Call it before the value can
 * reach a log.
 */
export function maskSecret(value: string): void {
  if (!value.trim()) return;
  core.setSecret(value);
  for (const line of value.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed && trimmed !== value.trim()) core.setSecret(trimmed);
  }
}
