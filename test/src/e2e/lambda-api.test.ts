import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  type LambdaClientConfig,
} from '@aws-sdk/client-lambda';
import { startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';
import { aws } from '../helpers/python-tools.js';
import { tempDir } from '../helpers/temp-dir.js';

const handlers = {
  'index.mjs': `
    export const echo = async (event, context) => { console.log('echo says', JSON.stringify(event)); return { event, requestId: context.awsRequestId }; };
    export const fail = async () => { console.log('about to fail'); throw new TypeError('no such thing'); };
    export const chatty = async () => { for (let i = 0; i < 500; i++) console.log('line', i); return 'done'; };`,
};
const json = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('the Lambda API: real AWS clients call Nubo unchanged', () => {
  let nubo: TestNubo;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  const lambda = (who: { key: string; id: string }, extra: Partial<LambdaClientConfig> = {}) =>
    new LambdaClient({
      endpoint: nubo.url,
      region: 'us-east-1',
      credentials: { accessKeyId: who.id, secretAccessKey: who.key },
      maxAttempts: 1,
      ...extra,
    });
  const newKey = async (username: string) => {
    const first = await nubo.signup(username);
    const issued = await nubo.call('POST', '/v1/keys', { key: first, body: { name: 'aws' } });
    return { key: issued.body.apiKey as string, id: issued.body.keyId as string };
  };

  before(async () => {
    nubo = await startNubo();
    alice = await newKey('alice');
    bob = await newKey('bob');
    for (const name of ['echo', 'fail', 'chatty'])
      await nubo.deploy(alice.key, name, handlers, {
        runtime: 'nodejs22.x',
        handler: `index.${name}`,
        memoryMb: 192,
        timeoutMs: 7000,
      });
  });
  after(() => nubo.close());

  it('invokes with a JSON payload: the result, the executed version, the request id', async () => {
    const out = await lambda(alice).send(new InvokeCommand({ FunctionName: 'echo', Payload: bytes({ hello: 'world' }) }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.ExecutedVersion, '1');
    const result = json(out.Payload);
    assert.deepEqual(result.event, { hello: 'world' });
    assert.equal(result.requestId, out.$metadata.requestId);
  });

  it('reports a function error as FunctionError Unhandled with Lambda’s error JSON, and tails the log', async () => {
    const out = await lambda(alice).send(new InvokeCommand({ FunctionName: 'fail', LogType: 'Tail' }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    const error = json(out.Payload);
    assert.equal(error.errorType, 'TypeError');
    assert.equal(error.errorMessage, 'no such thing');
    assert.ok(Array.isArray(error.stackTrace) && error.stackTrace.length > 0, JSON.stringify(error));
    assert.match(Buffer.from(out.LogResult ?? '', 'base64').toString('utf8'), /about to fail/);
  });

  it('tails the last 4 KB of the output', async () => {
    const out = await lambda(alice).send(new InvokeCommand({ FunctionName: 'chatty', LogType: 'Tail' }));
    const tail = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    assert.equal(Buffer.byteLength(tail), 4096);
    assert.ok(tail.endsWith('line 499\n'), tail.slice(-40));
    assert.equal((await lambda(alice).send(new InvokeCommand({ FunctionName: 'chatty' }))).LogResult, undefined);
  });

  it('selects a version with Qualifier ($LATEST, a number, the name:qualifier form); unknown ones are not found', async () => {
    await nubo.deploy(alice.key, 'versioned', { 'index.mjs': 'export const handler = async () => "v1";' });
    await nubo.deploy(alice.key, 'versioned', { 'index.mjs': 'export const handler = async () => "v2";' });
    for (const [FunctionName, Qualifier] of [
      ['versioned', '$LATEST'],
      ['versioned', '2'],
      ['versioned:2', undefined],
    ] as const) {
      const out = await lambda(alice).send(new InvokeCommand({ FunctionName, Qualifier }));
      assert.equal(json(out.Payload), 'v2');
      assert.equal(out.ExecutedVersion, '2');
    }
    // An older version runs too, in a pool lane of its own: its next call finds its worker warm.
    const old = await lambda(alice).send(new InvokeCommand({ FunctionName: 'versioned', Qualifier: '1' }));
    assert.equal(json(old.Payload), 'v1');
    assert.equal(old.ExecutedVersion, '1');
    assert.equal((await lambda(alice).send(new InvokeCommand({ FunctionName: 'versioned:1' }))).ExecutedVersion, '1');
    const versionOne = await eventually('both calls of version 1 are recorded', async () => {
      const records = (await nubo.call('GET', '/v1/functions/versioned/logs?version=1', { key: alice.key })).body;
      return records.length === 2 && records;
    });
    assert.deepEqual(
      versionOne.map((r: { cold: boolean }) => r.cold),
      [false, true],
      'newest first: the second call was warm',
    );
    const got = await lambda(alice).send(new GetFunctionCommand({ FunctionName: 'versioned', Qualifier: '1' }));
    assert.equal(got.Configuration?.Version, '1');
    for (const Qualifier of ['9', 'prod', '0']) {
      const missing = await lambda(alice)
        .send(new InvokeCommand({ FunctionName: 'versioned', Qualifier }))
        .catch((e) => e);
      assert.equal(missing.name, 'ResourceNotFoundException', Qualifier);
    }
  });

  it("holds a version called by its number to that version's maxConcurrency", async () => {
    const slow =
      'export const handler = async () => { const start = Date.now(); await new Promise((r) => setTimeout(r, 300)); return [start, Date.now()]; };';
    await nubo.deploy(alice.key, 'capped', { 'index.mjs': slow }, { maxConcurrency: 1 });
    await nubo.deploy(alice.key, 'capped', { 'index.mjs': 'export const handler = async () => "v2";' });
    const spans = await Promise.all(
      [1, 2, 3].map(async () =>
        json((await lambda(alice).send(new InvokeCommand({ FunctionName: 'capped', Qualifier: '1' }))).Payload),
      ),
    );
    const sorted = (spans as [number, number][]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++)
      assert.ok(sorted[i]![0] >= sorted[i - 1]![1], `call ${i + 1} began before call ${i} ended: ${JSON.stringify(sorted)}`);
    assert.equal((await nubo.call('DELETE', '/v1/functions/capped', { key: alice.key })).status, 204);
  });

  it('answers DryRun with 204 after the checks, and queues an Event invocation (202) that then runs', async () => {
    const dry = await lambda(alice).send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
    const dryOther = await lambda(bob)
      .send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }))
      .catch((e) => e);
    assert.equal(dryOther.name, 'ResourceNotFoundException');
    const queued = await lambda(alice).send(
      new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: bytes({ later: true }) }),
    );
    assert.equal(queued.StatusCode, 202);
    const requestId = queued.$metadata.requestId!;
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    const done = await eventually('the event ran', async () => {
      const res = await nubo.call('GET', `/v1/invocations/${requestId}`, { key: alice.key });
      return res.body.status === 'ok' ? res.body : false;
    });
    assert.deepEqual(done.result, { event: { later: true }, requestId }, 'the handler saw the event and its request id');
    const otherVersion = await lambda(alice)
      .send(new InvokeCommand({ FunctionName: 'versioned', Qualifier: '1', InvocationType: 'Event' }))
      .catch((e) => e);
    assert.equal(otherVersion.name, 'InvalidParameterValueException', 'events run the active version only');
  });

  it('raises the SDK’s typed errors: unknown function, wrong secret, unknown key, expired or tampered signature', async () => {
    const missing = await lambda(alice)
      .send(new InvokeCommand({ FunctionName: 'nope' }))
      .catch((e) => e);
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.$metadata.httpStatusCode, 404);

    const wrongSecret = await lambda({ id: alice.id, key: bob.key })
      .send(new InvokeCommand({ FunctionName: 'echo' }))
      .catch((e) => e);
    assert.equal(wrongSecret.name, 'InvalidSignatureException');
    assert.equal(wrongSecret.$metadata.httpStatusCode, 403);

    const unknownKey = await lambda({ id: 'key_nosuchkey', key: alice.key })
      .send(new InvokeCommand({ FunctionName: 'echo' }))
      .catch((e) => e);
    assert.equal(unknownKey.name, 'UnrecognizedClientException');

    // A client whose clock is 10 minutes behind signs a request the server no longer accepts.
    const expired = await lambda(alice, { systemClockOffset: -10 * 60_000 })
      .send(new InvokeCommand({ FunctionName: 'echo' }))
      .catch((e) => e);
    assert.equal(expired.name, 'InvalidSignatureException');
    assert.match(expired.message, /Signature expired/);

    // The body changed after signing (same length): the signature no longer matches, nothing runs.
    const tampering = lambda(alice);
    tampering.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: Uint8Array };
        request.body = bytes({ hello: 'WORLD' });
        return next(args);
      },
      { step: 'deserialize', name: 'tamper' },
    );
    const tampered = await tampering
      .send(new InvokeCommand({ FunctionName: 'echo', Payload: bytes({ hello: 'world' }) }))
      .catch((e) => e);
    assert.equal(tampered.name, 'InvalidSignatureException');
  });

  it('honours a header that changes what the call does only when it was signed: one added on the way is refused', async () => {
    const before = (await nubo.call('GET', '/v1/functions/echo/stats', { key: alice.key })).body.count;
    for (const [name, value] of [
      ['x-amz-invocation-type', 'Event'],
      ['x-amz-log-type', 'Tail'],
      ['x-amz-client-context', Buffer.from('{"custom":{}}').toString('base64')],
    ] as const) {
      const meddling = lambda(alice);
      meddling.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers[name] = value;
          return next(args);
        },
        { step: 'deserialize', name: 'add-after-signing' },
      );
      const refused = await meddling.send(new InvokeCommand({ FunctionName: 'echo', Payload: bytes({ n: 1 }) })).catch((e) => e);
      assert.equal(refused.name, 'InvalidSignatureException', name);
      assert.match(refused.message, new RegExp(`${name} header changes what the call does`));
    }
    const signed = await lambda(alice).send(new InvokeCommand({ FunctionName: 'echo', LogType: 'Tail', Payload: bytes({}) }));
    assert.ok(signed.LogResult !== undefined, 'the same header, signed by the client, is honoured');
    const after = (await nubo.call('GET', '/v1/functions/echo/stats', { key: alice.key })).body.count;
    assert.equal(after, before + 1, 'the refused calls ran nothing');
  });

  it('answers GetFunction and ListFunctions in Lambda’s shapes, only with the caller’s functions', async () => {
    const got = await lambda(alice).send(new GetFunctionCommand({ FunctionName: 'echo' }));
    const config = got.Configuration!;
    assert.equal(config.FunctionName, 'echo');
    assert.equal(config.FunctionArn, 'arn:nubo:lambda:nubo:alice:function:echo');
    assert.equal(config.Runtime, 'nodejs22.x');
    assert.equal(config.Handler, 'index.echo');
    assert.equal(config.MemorySize, 192);
    assert.equal(config.Timeout, 7);
    assert.equal(config.Version, '1');
    assert.match(config.LastModified ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const byArn = await lambda(alice).send(new GetFunctionCommand({ FunctionName: config.FunctionArn }));
    assert.equal(byArn.Configuration?.FunctionName, 'echo');
    const configuration = await lambda(alice).send(new GetFunctionConfigurationCommand({ FunctionName: 'echo' }));
    assert.equal(configuration.Handler, 'index.echo');
    assert.equal(configuration.FunctionArn, config.FunctionArn);

    const names: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await lambda(alice).send(new ListFunctionsCommand({ MaxItems: 2, Marker }));
      names.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
      Marker = page.NextMarker;
    } while (Marker);
    assert.deepEqual(names, ['chatty', 'echo', 'fail', 'versioned']);
    assert.deepEqual((await lambda(bob).send(new ListFunctionsCommand({}))).Functions, []);
    const notBobs = await lambda(bob)
      .send(new GetFunctionCommand({ FunctionName: config.FunctionArn }))
      .catch((e) => e);
    assert.equal(notBobs.name, 'ResourceNotFoundException');
  });

  it('keeps taking Bearer keys on the same routes', async () => {
    const res = await nubo.call('POST', '/2015-03-31/functions/echo/invocations', { key: alice.key, body: { via: 'bearer' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.event, { via: 'bearer' });
    const none = await nubo.call('POST', '/2015-03-31/functions/echo/invocations', { body: {} });
    assert.equal(none.status, 403);
    assert.equal(none.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    // Without a key the body is never read: a body over the limit still gets the missing-key answer, not 413.
    const big = await nubo.call('POST', '/2015-03-31/functions/echo/invocations', {
      raw: { data: new Uint8Array(7 * 1024 * 1024), contentType: 'application/json' },
    });
    assert.equal(big.status, 403);
    assert.equal(big.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  });

  it('works from the real AWS CLI: invoke (with a function error and a log tail), get, list, a wrong secret', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: alice.id,
      AWS_SECRET_ACCESS_KEY: alice.key,
      AWS_DEFAULT_REGION: 'us-east-1',
      HOME: await tempDir(),
    };
    const out = join(await tempDir(), 'out.json');
    const base = ['--endpoint-url', nubo.url, 'lambda'];
    const invoked = await aws(
      [...base, 'invoke', '--function-name', 'echo', '--payload', '{"from":"cli"}', '--log-type', 'Tail', out],
      env,
    );
    assert.equal(invoked.code, 0, invoked.stderr);
    const meta = JSON.parse(invoked.stdout);
    assert.equal(meta.StatusCode, 200);
    assert.equal(meta.ExecutedVersion, '1');
    assert.match(Buffer.from(meta.LogResult, 'base64').toString('utf8'), /echo says \{"from":"cli"\}/);
    assert.deepEqual(JSON.parse(await readFile(out, 'utf8')).event, { from: 'cli' });

    const failed = await aws([...base, 'invoke', '--function-name', 'fail', out], env);
    assert.equal(failed.code, 0, failed.stderr);
    assert.equal(JSON.parse(failed.stdout).FunctionError, 'Unhandled');
    assert.equal(JSON.parse(await readFile(out, 'utf8')).errorType, 'TypeError');

    const got = await aws([...base, 'get-function', '--function-name', 'echo'], env);
    assert.equal(JSON.parse(got.stdout).Configuration.Runtime, 'nodejs22.x');
    const configured = await aws([...base, 'get-function-configuration', '--function-name', 'echo'], env);
    assert.equal(JSON.parse(configured.stdout).MemorySize, 192);
    const listed = await aws([...base, 'list-functions'], env);
    assert.deepEqual(
      JSON.parse(listed.stdout).Functions.map((f: { FunctionName: string }) => f.FunctionName),
      ['chatty', 'echo', 'fail', 'versioned'],
    );
    const missing = await aws([...base, 'get-function', '--function-name', 'nope'], env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /ResourceNotFoundException/);
    const wrong = await aws([...base, 'invoke', '--function-name', 'echo', out], { ...env, AWS_SECRET_ACCESS_KEY: bob.key });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /InvalidSignatureException/);
  });

  it('deletes a function with DeleteFunction (SDK and CLI)', async () => {
    await lambda(alice).send(new DeleteFunctionCommand({ FunctionName: 'versioned' }));
    const gone = await lambda(alice)
      .send(new GetFunctionCommand({ FunctionName: 'versioned' }))
      .catch((e) => e);
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal((await nubo.call('GET', '/v1/functions/versioned', { key: alice.key })).status, 404);
    const env = {
      AWS_ACCESS_KEY_ID: alice.id,
      AWS_SECRET_ACCESS_KEY: alice.key,
      AWS_DEFAULT_REGION: 'us-east-1',
      HOME: await tempDir(),
    };
    const deleted = await aws(['--endpoint-url', nubo.url, 'lambda', 'delete-function', '--function-name', 'chatty'], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await nubo.call('GET', '/v1/functions/chatty', { key: alice.key })).status, 404);
  });
});
