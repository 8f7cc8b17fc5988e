import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNuboError, loadServerConfig } from '@nubo/core';

describe('server configuration', () => {
  it('has working defaults', () => {
    const config = loadServerConfig({});
    assert.equal(config.NUBO_PORT, 8080);
    assert.equal(config.NUBO_HOST, '127.0.0.1');
    assert.equal(config.NUBO_DATA_DIR, './.nubo');
    assert.equal(config.NUBO_SANDBOX, 'process');
    assert.equal(config.NUBO_ALLOW_SIGNUP, true);
  });

  it('names every bad variable and its value', () => {
    assert.throws(
      () => loadServerConfig({ NUBO_PORT: '70000', NUBO_SANDBOX: 'vm', NUBO_ALLOW_SIGNUP: 'maybe' }),
      (err) =>
        isNuboError(err, 'NUBO_ERR_CONFIG_INVALID') &&
        /NUBO_PORT="70000"/.test(err.message) &&
        /NUBO_SANDBOX="vm"/.test(err.message) &&
        /NUBO_ALLOW_SIGNUP="maybe"/.test(err.message),
    );
  });
});
