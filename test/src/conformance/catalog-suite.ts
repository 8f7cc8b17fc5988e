import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultAsyncSettings, isNuboError, type Catalog, type NewVersion } from '@nubo/core';

/** Every Catalog adapter must pass this suite unchanged. `create` gives an empty catalog. */
export function catalogConformance(adapter: string, create: () => Promise<Catalog>): void {
  const version = (digest: string): NewVersion & { public: boolean } => ({
    runtime: 'node20',
    handler: 'index.handler',
    codeDigest: digest,
    codeSize: 10,
    unpackedSize: 20,
    env: { A: '1' },
    network: 'egress',
    limits: { memoryMb: 128, timeoutMs: 1000, maxConcurrency: 5, minWarm: 0, idleTtlMs: 60_000 },
    async: { ...defaultAsyncSettings(5), maxRetries: 4, onFailure: 'dlq-handler' },
    public: false,
  });

  describe(`Catalog conformance: ${adapter}`, () => {
    it('makes the first user the admin and refuses a taken username', async () => {
      const catalog = await create();
      assert.equal(await catalog.hasUsers(), false);
      const first = await catalog.createUser({ username: 'ann', passwordHash: 'h1' });
      const second = await catalog.createUser({ username: 'ben', passwordHash: 'h2' });
      assert.equal(first.isAdmin, true);
      assert.equal(second.isAdmin, false);
      assert.equal(await catalog.hasUsers(), true);
      await assert.rejects(catalog.createUser({ username: 'ann', passwordHash: 'x' }), (err) =>
        isNuboError(err, 'NUBO_ERR_AUTH_USERNAME_TAKEN'),
      );
      const found = await catalog.findUserByName('ann');
      assert.equal(found?.passwordHash, 'h1');
      assert.equal(await catalog.findUserByName('nobody'), null);
      await catalog.close();
    });

    it('finds users by key hash, lists and revokes keys per user', async () => {
      const catalog = await create();
      const ann = await catalog.createUser({ username: 'ann', passwordHash: 'h' });
      const ben = await catalog.createUser({ username: 'ben', passwordHash: 'h' });
      const key = await catalog.createApiKey({
        userId: ann.id,
        name: 'cli',
        keyHash: 'hash-a',
        prefix: 'nubo_aaaa',
        sealedKey: 'v1.sealed',
      });
      assert.equal((await catalog.findUserByKeyHash('hash-a'))?.username, 'ann');
      assert.equal(await catalog.findUserByKeyHash('hash-unknown'), null);
      const listed = await catalog.listApiKeys(ann.id);
      assert.equal(listed.length, 1);
      assert.equal(listed[0]!.name, 'cli');
      assert.ok(listed[0]!.lastUsedAt !== null, 'a lookup notes the use');
      assert.equal(await catalog.deleteApiKey(ben.id, key.id), false, "a user cannot revoke another's key");
      assert.equal(await catalog.deleteApiKey(ann.id, key.id), true);
      assert.equal(await catalog.findUserByKeyHash('hash-a'), null);
      assert.equal(await catalog.findSigningKey(key.id), null, 'a revoked key signs nothing');
      await catalog.close();
    });

    it("keeps each user's quota overrides and counts what each holds (each bundle's unpacked code once)", async () => {
      const catalog = await create();
      const ann = await catalog.createUser({ username: 'ann', passwordHash: 'h' });
      const ben = await catalog.createUser({ username: 'ben', passwordHash: 'h' });
      assert.deepEqual(await catalog.quotaOverrides(ann.id), {});
      await catalog.setQuotaOverrides(ann.id, { functions: 3, codeMb: 10 });
      await catalog.setQuotaOverrides(ann.id, { functions: 4 });
      assert.deepEqual(await catalog.quotaOverrides(ann.id), { functions: 4 }, 'replaced, not merged');
      assert.deepEqual(await catalog.quotaOverrides(ben.id), {});
      for (const [name, digest] of [
        ['f', 'd1'],
        ['f', 'd2'],
        ['g', 'd1'],
      ] as const) {
        const { fn, version: v } = await catalog.addVersion(ann.id, name, {
          ...version(digest),
          unpackedSize: digest === 'd1' ? 100 : 50,
        });
        await catalog.activateVersion(fn.id, v.version, false);
      }
      await catalog.createApiKey({ userId: ann.id, name: 'k', keyHash: 'hk', prefix: 'p', sealedKey: null });
      assert.deepEqual(await catalog.usageOf(ann.id), { functions: 2, apiKeys: 1, codeBytes: 150 });
      assert.deepEqual(await catalog.usageOf(ben.id), { functions: 0, apiKeys: 0, codeBytes: 0 });
      assert.equal(await catalog.ownsCode(ann.id, 'd2'), true);
      assert.equal(await catalog.ownsCode(ben.id, 'd2'), false, "another user's code is not theirs");
      await catalog.close();
    });

    it('deletes an inactive version, never the active one', async () => {
      const catalog = await create();
      const ann = await catalog.createUser({ username: 'ann', passwordHash: 'h' });
      const first = await catalog.addVersion(ann.id, 'f', version('d1'));
      await catalog.activateVersion(first.fn.id, 1, false);
      await catalog.addVersion(ann.id, 'f', version('d2'));
      await catalog.activateVersion(first.fn.id, 2, false);
      assert.equal(await catalog.deleteVersion(first.fn.id, 2), null, 'the active version stays');
      assert.equal((await catalog.deleteVersion(first.fn.id, 1))?.codeDigest, 'd1');
      assert.equal(await catalog.getVersion(first.fn.id, 1), null);
      assert.equal(await catalog.deleteVersion(first.fn.id, 1), null, 'gone already');
      assert.deepEqual(
        (await catalog.listVersions(first.fn.id)).map((v) => v.version),
        [2],
      );
      assert.equal(await catalog.codeInUse('d1'), false);
      await catalog.close();
    });

    it('keeps sessions by token hash until they expire or are ended, each user only their own, at most 50', async () => {
      const catalog = await create();
      const ann = await catalog.createUser({ username: 'ann', passwordHash: 'h' });
      const ben = await catalog.createUser({ username: 'ben', passwordHash: 'h' });
      const now = Date.now();
      const session = await catalog.createSession({
        userId: ann.id,
        tokenHash: 'token-a',
        expiresAt: now + 60_000,
        userAgent: 'a browser',
      });
      const found = await catalog.findSessionUser('token-a', now);
      assert.equal(found?.user.username, 'ann');
      assert.equal(found?.session.id, session.id);
      assert.equal(found?.session.userAgent, 'a browser');
      assert.equal(await catalog.findSessionUser('token-a', now + 60_000), null, 'an expired session finds no one');
      assert.equal(await catalog.findSessionUser('token-unknown', now), null);
      assert.notEqual((await catalog.listSessions(ann.id, now))[0]?.lastUsedAt, null, 'a lookup notes the use');
      assert.deepEqual(await catalog.listSessions(ben.id, now), []);
      assert.equal(await catalog.deleteSession(ben.id, session.id), false, "a user cannot end another's session");
      assert.equal(await catalog.deleteSession(ann.id, session.id), true);
      assert.equal(await catalog.findSessionUser('token-a', now), null);
      for (let i = 0; i < 52; i++)
        await catalog.createSession({ userId: ben.id, tokenHash: `token-b${i}`, expiresAt: now + 60_000, userAgent: null });
      const kept = await catalog.listSessions(ben.id, now);
      assert.equal(kept.length, 50, 'signing in past 50 sessions ends the oldest');
      assert.equal((await catalog.findSessionUser('token-b51', now))?.user.username, 'ben', 'the newest is kept');
      await catalog.close();
    });

    it('finds a key by id for signatures, with its hash and sealed copy (or none)', async () => {
      const catalog = await create();
      const cy = await catalog.createUser({ username: 'cy', passwordHash: 'h' });
      const sealed = await catalog.createApiKey({
        userId: cy.id,
        name: 'a',
        keyHash: 'hash-s',
        prefix: 'p',
        sealedKey: 'v1.abc',
      });
      const unsealed = await catalog.createApiKey({ userId: cy.id, name: 'b', keyHash: 'hash-u', prefix: 'p', sealedKey: null });
      const found = await catalog.findSigningKey(sealed.id);
      assert.deepEqual(found, { user: cy, keyHash: 'hash-s', sealedKey: 'v1.abc' });
      assert.equal((await catalog.findSigningKey(unsealed.id))?.sealedKey, null);
      assert.equal(await catalog.findSigningKey('key_unknown'), null);
      assert.ok(
        (await catalog.listApiKeys(cy.id)).find((k) => k.id === sealed.id)?.lastUsedAt,
        'a signature lookup notes the use',
      );
      await catalog.close();
    });

    it('adds numbered immutable versions that become visible once activated', async () => {
      const catalog = await create();
      const ann = await catalog.createUser({ username: 'ann', passwordHash: 'h' });
      const v1 = await catalog.addVersion(ann.id, 'fn', version('d1'));
      assert.equal(v1.version.version, 1);
      assert.equal(await catalog.getFunction(ann.id, 'fn'), null, 'not visible before activation');
      await catalog.activateVersion(v1.fn.id, 1, false);
      const v2 = await catalog.addVersion(ann.id, 'fn', version('d2'));
      assert.equal(v2.version.version, 2);
      assert.equal(v2.fn.id, v1.fn.id);
      assert.equal((await catalog.getFunction(ann.id, 'fn'))?.activeVersion, 1, 'still version 1 until activated');
      const active = await catalog.activateVersion(v1.fn.id, 2, true);
      assert.equal(active.activeVersion, 2);
      assert.equal(active.public, true);
      assert.equal(active.ownerName, 'ann');
      const stored = await catalog.getVersion(v1.fn.id, 1);
      assert.deepEqual(stored?.env, { A: '1' });
      assert.equal(stored?.codeDigest, 'd1');
      assert.equal(stored?.limits.maxConcurrency, 5);
      assert.deepEqual(stored?.async, version('d1').async, 'the async settings come back as deployed');
      assert.deepEqual(
        (await catalog.listVersions(v1.fn.id)).map((v) => v.version),
        [1, 2],
      );
      assert.equal((await catalog.getFunctionByOwnerName('ann', 'fn'))?.id, v1.fn.id);
      await catalog.close();
    });

    it('discards a failed version, and the function with it when it had none', async () => {
      const catalog = await create();
      const ann = await catalog.createUser({ username: 'ann', passwordHash: 'h' });
      const first = await catalog.addVersion(ann.id, 'fresh', version('d1'));
      await catalog.discardVersion(first.fn.id, 1);
      assert.equal(await catalog.getFunction(ann.id, 'fresh'), null);
      assert.deepEqual(await catalog.listFunctions(ann.id), []);
      const again = await catalog.addVersion(ann.id, 'fresh', version('d1'));
      assert.equal(again.version.version, 1);
      await catalog.close();
    });

    it('scopes functions by owner and deletes a function with its versions', async () => {
      const catalog = await create();
      const ann = await catalog.createUser({ username: 'ann', passwordHash: 'h' });
      const ben = await catalog.createUser({ username: 'ben', passwordHash: 'h' });
      const a = await catalog.addVersion(ann.id, 'same', version('shared'));
      await catalog.activateVersion(a.fn.id, 1, false);
      const b = await catalog.addVersion(ben.id, 'same', version('shared'));
      await catalog.activateVersion(b.fn.id, 1, false);
      assert.notEqual(a.fn.id, b.fn.id);
      assert.deepEqual(
        (await catalog.listFunctions(ann.id)).map((f) => f.name),
        ['same'],
      );
      await catalog.addVersion(ben.id, 'undeployed', version('never'));
      assert.deepEqual(
        (await catalog.listAllFunctions()).map((f) => [f.ownerName, f.name]).sort(),
        [
          ['ann', 'same'],
          ['ben', 'same'],
        ],
        'the admin view has every owner, and only deployed functions',
      );
      assert.deepEqual(
        (await catalog.listUsers()).map((u) => [u.username, u.isAdmin]),
        [
          ['ann', true],
          ['ben', false],
        ],
      );
      const removed = await catalog.deleteFunction(a.fn.id);
      assert.deepEqual(
        removed.map((v) => v.codeDigest),
        ['shared'],
      );
      assert.equal(await catalog.getFunction(ann.id, 'same'), null);
      assert.equal(await catalog.codeInUse('shared'), true, "ben's version still uses the bundle");
      await catalog.deleteFunction(b.fn.id);
      assert.equal(await catalog.codeInUse('shared'), false);
      await catalog.close();
    });

    it('lists the active version of every function that keeps warm workers', async () => {
      const catalog = await create();
      const ann = await catalog.createUser({ username: 'ann', passwordHash: 'h' });
      const warm = (digest: string, minWarm: number) => ({ ...version(digest), limits: { ...version(digest).limits, minWarm } });
      const cold = await catalog.addVersion(ann.id, 'cold', warm('c1', 0));
      await catalog.activateVersion(cold.fn.id, 1, false);
      const hot = await catalog.addVersion(ann.id, 'hot', warm('h1', 2));
      await catalog.activateVersion(hot.fn.id, 1, false);
      await catalog.addVersion(ann.id, 'hot', warm('h2', 3));
      assert.deepEqual(
        (await catalog.listWarmTargets()).map((t) => [t.fn.name, t.version.version, t.version.limits.minWarm]),
        [['hot', 1, 2]],
        'an inactive version is not a target',
      );
      await catalog.activateVersion(hot.fn.id, 2, false);
      const [target] = await catalog.listWarmTargets();
      assert.deepEqual(
        [target?.fn.activeVersion, target?.version.version, target?.version.codeDigest, target?.version.env],
        [2, 2, 'h2', { A: '1' }],
      );
      const undeployed = await catalog.addVersion(ann.id, 'never', warm('n1', 1));
      assert.equal(undeployed.fn.activeVersion, 0);
      assert.equal((await catalog.listWarmTargets()).length, 1, 'a function without an active version is not a target');
      await catalog.deleteFunction(hot.fn.id);
      assert.deepEqual(await catalog.listWarmTargets(), []);
      await catalog.close();
    });
  });
}
