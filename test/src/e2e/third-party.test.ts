import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { zipDirectory } from '@nubo/cli';
import { startNubo, type TestNubo } from '../helpers/nubo.js';
import { pipInstallInto } from '../helpers/python-tools.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);

const expressApp = `
const express = require('express');
const serverless = require('serverless-http');
const app = express();
app.use(express.json());
app.get('/files/:name', (req, res) => res.json({ name: req.params.name, query: req.query }));
app.post('/items', (req, res) => res.status(201).json({ received: req.body }));
app.get('/session', (req, res) => {
  res.cookie('session', 'abc', { httpOnly: true, path: '/' });
  res.cookie('theme', 'dark', { path: '/' });
  res.send('cookies set');
});
app.get('/logo.bin', (req, res) => res.type('application/octet-stream').send(Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i))));
module.exports.handler = serverless(app, { binary: ['application/octet-stream'] });
`;

const fastApiApp = `
from fastapi import FastAPI
from mangum import Mangum
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    name: str
    price: float

@app.get("/hello/{name}")
async def hello(name: str, greeting: str = "hi"):
    return {"message": f"{greeting} {name}"}

@app.post("/items", status_code=201)
async def create(item: Item):
    return {"name": item.name, "total": item.price * 2}

handler = Mangum(app, lifespan="off")
`;

/** Deploys a directory as it is (dependencies included), the way \`nubo deploy NAME DIR\` does. */
async function deployDir(nubo: TestNubo, key: string, name: string, dir: string, body: Record<string, unknown>) {
  const { zip } = await zipDirectory(dir);
  const res = await nubo.call('PUT', `/v1/functions/${name}`, {
    key,
    body: { code: { zip: Buffer.from(zip).toString('base64') }, public: true, memoryMb: 256, timeoutMs: 15_000, ...body },
  });
  assert.ok(res.status === 201 || res.status === 200, res.text);
}

describe('real third-party Lambda code from npm and PyPI, unchanged', () => {
  let nubo: TestNubo;
  let key: string;
  const fn = (name: string, path: string) => `${nubo.triggerUrl}/fn/carol/${name}${path}`;

  before(async () => {
    nubo = await startNubo();
    key = await nubo.signup('carol');
  });
  after(() => nubo.close());

  describe('an Express app through serverless-http (npm)', () => {
    before(async () => {
      const dir = await tempDir('nubo-express-');
      await writeFile(join(dir, 'app.js'), expressApp);
      await run('npm', [
        'install',
        '--prefix',
        dir,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        'express@5.3.0',
        'serverless-http@4.0.0',
      ]);
      await deployDir(nubo, key, 'express', dir, { runtime: 'nodejs22.x', handler: 'app.handler' });
    });

    it('routes a path parameter with encoded characters, with the query', async () => {
      const res = await fetch(fn('express', '/files/reports%2F2024.csv?year=2024&tag=a&tag=b'));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { name: 'reports/2024.csv', query: { year: '2024', tag: ['a', 'b'] } });
    });

    it('parses a JSON body and answers its status', async () => {
      const res = await fetch(fn('express', '/items'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'pen', qty: 3 }),
      });
      assert.equal(res.status, 201);
      assert.deepEqual(await res.json(), { received: { name: 'pen', qty: 3 } });
    });

    it('sets several cookies, each its own Set-Cookie header', async () => {
      const res = await fetch(fn('express', '/session'));
      assert.equal(await res.text(), 'cookies set');
      assert.deepEqual(res.headers.getSetCookie(), ['session=abc; Path=/; HttpOnly', 'theme=dark; Path=/']);
    });

    it('answers a binary body byte for byte', async () => {
      const res = await fetch(fn('express', '/logo.bin'));
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      assert.deepEqual(
        new Uint8Array(await res.arrayBuffer()),
        Uint8Array.from({ length: 256 }, (_, i) => 255 - i),
      );
    });

    it("answers Express's own 404 for an unknown route", async () => {
      const res = await fetch(fn('express', '/nowhere'));
      assert.equal(res.status, 404);
      assert.match(await res.text(), /Cannot GET \/nowhere/);
    });
  });

  describe('a FastAPI app through Mangum (PyPI)', () => {
    before(async () => {
      const dir = await tempDir('nubo-fastapi-');
      await writeFile(join(dir, 'main.py'), fastApiApp);
      await pipInstallInto(dir, ['fastapi==0.165.0', 'mangum==0.22.0']);
      await deployDir(nubo, key, 'fastapi', dir, { runtime: 'python3.11', handler: 'main.handler' });
    });

    it('answers GET with path and query parameters', async () => {
      const res = await fetch(fn('fastapi', '/hello/ada?greeting=hello'));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { message: 'hello ada' });
    });

    it('validates and answers a JSON POST', async () => {
      const res = await fetch(fn('fastapi', '/items'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'pen', price: 1.5 }),
      });
      assert.equal(res.status, 201);
      assert.deepEqual(await res.json(), { name: 'pen', total: 3 });
    });

    it("answers FastAPI's 422 with the validation errors for a bad body", async () => {
      const res = await fetch(fn('fastapi', '/items'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'pen', price: 'free' }),
      });
      assert.equal(res.status, 422);
      const body = (await res.json()) as { detail: { loc: string[] }[] };
      assert.deepEqual(body.detail[0]?.loc, ['body', 'price']);
    });
  });
});
