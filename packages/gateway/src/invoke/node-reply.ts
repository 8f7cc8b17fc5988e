import type { ServerResponse } from 'node:http';
import type { InvocationReply } from './reply-outcome.js';

const json = 'application/json; charset=utf-8';

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

  type(_contentType: 'application/json'): this {
    return this;
  }

  /** A string is sent as it is (already JSON); anything else is serialised. */
  send(payload: string | Record<string, unknown>): this {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    this.headers['content-type'] = json;
    this.headers['content-length'] = Buffer.byteLength(body);
    this.response.writeHead(this.status, this.headers);
    this.response.end(body);
    return this;
  }
}
