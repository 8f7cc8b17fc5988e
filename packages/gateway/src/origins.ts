import type { FastifyRequest } from 'fastify';
import { NuboError } from '@nubo/core';
import type { FunctionUrls } from './views.js';

/**
 * The two origins a gateway serves. The console and the API live on one; HTTP triggers — tenants'
 * own pages and answers — on another listener and, by default, another host name (`localhost`
 * where the console is `127.0.0.1`), so a tenant's page can neither read nor set the console's
 * cookie, nor call the API as the person who opened it.
 */
export class Origins {
  private triggerBase: string;

  constructor(
    private readonly configured: {
      /** NUBO_PUBLIC_URL: the console's own public URL, when requests do not say it (a TLS proxy in front). */
      publicUrl: string | null;
      /** NUBO_TRIGGER_URL: where clients reach HTTP triggers. */
      triggerUrl: string | null;
    },
  ) {
    this.triggerBase = withoutTrailingSlash(configured.triggerUrl ?? 'http://localhost:8081');
  }

  /** The trigger listener's port once bound: the base URL when NUBO_TRIGGER_URL is unset. */
  triggerListening(port: number): void {
    if (!this.configured.triggerUrl) this.triggerBase = `http://localhost:${port}`;
  }

  /** Where clients reach HTTP triggers: `<this>/fn/<owner>/<function>/…`. */
  get triggerUrl(): string {
    return this.triggerBase;
  }

  triggerUrlOf(owner: string, name: string): string {
    return `${this.triggerBase}/fn/${owner}/${name}/`;
  }

  /** Whether a host name (a request's, without port) is the one tenants' pages are served under. */
  isTriggerHost(hostname: string): boolean {
    return hostname.toLowerCase() === new URL(this.triggerBase).hostname.toLowerCase();
  }

  /** The console's origin, as a browser names it in `Origin`. */
  consoleOrigin(request: FastifyRequest): string {
    return this.configured.publicUrl
      ? new URL(this.configured.publicUrl).origin
      : `${request.protocol}://${request.headers.host ?? ''}`;
  }

  /** The URLs a function view shows a request: the API's (as the request reached it) and its trigger's. */
  urlsFor(request: FastifyRequest): FunctionUrls {
    return {
      apiBase: this.configured.publicUrl
        ? withoutTrailingSlash(this.configured.publicUrl)
        : `${request.protocol}://${request.host}`,
      triggerUrlOf: (owner, name) => this.triggerUrlOf(owner, name),
    };
  }

  /** Whether the console is served over TLS (its cookie is then Secure and `__Host-` prefixed). */
  consoleIsSecure(request: FastifyRequest): boolean {
    return this.configured.publicUrl ? this.configured.publicUrl.startsWith('https:') : request.protocol === 'https';
  }

  /** A session is never opened, nor honoured, on the host name tenants' pages are served under. */
  assertConsoleHost(request: FastifyRequest): void {
    if (!this.isTriggerHost(request.hostname)) return;
    throw new NuboError(
      'NUBO_ERR_AUTH_CROSS_SITE',
      `${request.hostname} is the host name HTTP triggers are served under (NUBO_TRIGGER_URL ${this.triggerBase}), where tenants' pages could read and set the console's cookie: open the console under another name of this server (for example http://127.0.0.1:${new URL(`http://${request.headers.host ?? 'x'}`).port || '80'}).`,
    );
  }
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');
