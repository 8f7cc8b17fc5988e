import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { NuboError } from '@nubo/core';

/** Where `npm run build` puts the web console (packages/console/dist). */
export const consoleDir = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/** The console's pages may run only their own scripts, load nothing from elsewhere, and sit in no frame. */
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/** Serves the built web console under `/` (the API stays under /v1, /fn and the Lambda paths). */
export function consoleRoutes(dir = consoleDir): FastifyPluginAsync {
  return async (app) => {
    if (!existsSync(join(dir, 'index.html'))) {
      app.get('/', async () => {
        throw new NuboError('NUBO_ERR_REQUEST_NOT_FOUND', 'The web console is not built here: run npm run build, then restart.');
      });
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // One route per built file, found at start (so after a rebuild, restart): a catch-all route
      // would take every unknown path, and the API's own 404 and 414 answers with them.
      wildcard: false,
      index: 'index.html',
      // Our own cache-control below, not the plugin's.
      cacheControl: false,
      setHeaders(res, path) {
        res.setHeader('content-security-policy', contentSecurityPolicy);
        res.setHeader('x-content-type-options', 'nosniff');
        res.setHeader('referrer-policy', 'same-origin');
        // Built assets carry their content hash in the name; the page itself must be fetched fresh.
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  };
}
