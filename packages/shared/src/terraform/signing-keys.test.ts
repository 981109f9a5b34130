import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import {
  HASHICORP_RELEASE_KEY,
  OPENTOFU_RELEASE_KEY,
  RELEASE_KEY_FINGERPRINTS,
  vendorSigningKeys,
} from './signing-keys.ts';

describe('vendor release keys', () => {
  it("HashiCorp's key is the published one: fingerprint C874 011F … 3436 5D94 72D7 468F, HashiCorp Security", async () => {
    const key = await openpgp.readKey({ armoredKey: HASHICORP_RELEASE_KEY });
    assert.equal(key.getFingerprint().toUpperCase(), 'C874011F0AB405110D02105534365D9472D7468F');
    assert.equal(key.getKeyID().toHex().toUpperCase(), '34365D9472D7468F');
    assert.deepEqual(key.getUserIDs(), ['HashiCorp Security (hashicorp.com/security) <security@hashicorp.com>']);
  });

  it("HashiCorp's key can verify release signatures today: its signing subkey 374E…AB87 is valid", async () => {
    // Fails when the key in the bundle expires: then fetch HashiCorp's renewed key.
    const key = await openpgp.readKey({ armoredKey: HASHICORP_RELEASE_KEY });
    const signing = await key.getSigningKey();
    assert.equal(signing.getFingerprint().toUpperCase(), '374EC75B485913604A831CC7C820C6D5CD27AB87');
  });

  it("OpenTofu's key is the published one: fingerprint E3E6 E43D … E5FD 9F80, and can sign", async () => {
    const key = await openpgp.readKey({ armoredKey: OPENTOFU_RELEASE_KEY });
    assert.equal(key.getFingerprint().toUpperCase(), 'E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80');
    assert.deepEqual(key.getUserIDs(), ['OpenTofu (This key is used to sign opentofu providers) <core@opentofu.org>']);
    assert.equal((await key.getSigningKey()).getFingerprint().toUpperCase(), RELEASE_KEY_FINGERPRINTS.tofu);
  });

  it('gives each tool its vendor key, and the pinned fingerprints match the keys', async () => {
    for (const tool of ['terraform', 'tofu'] as const) {
      const [armoredKey] = vendorSigningKeys(tool);
      const key = await openpgp.readKey({ armoredKey: armoredKey! });
      assert.equal(key.getFingerprint().toUpperCase(), RELEASE_KEY_FINGERPRINTS[tool]);
    }
  });
});
