import type { ServerResponse } from 'node:http';
import { jsonContentType, type InvocationReply } from './reply-outcome.js';

/** An invocation's answer written on node:http, with the headers Fastify would send for it. */
export class NodeReply implements InvocationReply {
  private status = 200;
  private readonly headers: Record<string, string | number> = {};

  constructor(private readonly response: ServerResponse) {}

  header(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }

  code(status: number): this {
    this.status = status;
    return this;
  }

  type(contentType: typeof jsonContentType): this {
    this.headers['content-type'] = contentType;
    return this;
  }

  /** A string or bytes are sent as they are (already JSON); anything else is serialised. */
  send(payload: string | Buffer | Record<string, unknown>): this {
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    this.headers['content-type'] ??= jsonContentType;
    this.headers['content-length'] = Buffer.byteLength(body);
    this.response.writeHead(this.status, this.headers);
    this.response.end(body);
    return this;
  }
}
