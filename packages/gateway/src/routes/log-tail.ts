import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InvocationLog, InvocationRecord } from '@nubo/core';
import { invocationView } from '../views.js';

/** How often a tail asks the invocation log for new records. */
export const tailPollMs = 1000;
/** A record is stored when its call ends, so a tail looks back past the longest timeout (15 min) for late ones. */
const lookbackMs = 16 * 60_000;
/** The most new records one poll can find. */
const pollBatch = 100;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const keepAliveEvery = 15;

export interface TailTarget {
  ownerId: string;
  functionName: string;
}

const recordKey = (r: InvocationRecord) => `${r.requestId}:${r.attempt}`;

/**
 * Streams the function's records stored from now on as Server-Sent Events (`event: invocation`,
 * the record as JSON). It reads the shared invocation log rather than this gateway's own calls, so
 * it follows every gateway. Returns a function that ends the stream (for shutdown).
 */
export function followInvocations(
  request: FastifyRequest,
  reply: FastifyReply,
  log: InvocationLog,
  target: TailTarget,
): () => void {
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-request-id': request.id,
  });
  out.write(`retry: ${tailPollMs}\n: following ${target.functionName}\n\n`);
  const seen = new Map<string, number>();
  let polls = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;

  const poll = async (): Promise<void> => {
    const now = Date.now();
    try {
      const records = await log.list(target.ownerId, target.functionName, { limit: pollBatch, since: now - lookbackMs });
      for (const record of records.reverse()) {
        const key = recordKey(record);
        if (seen.has(key)) continue;
        seen.set(key, record.startedAt);
        // The first poll only learns what was there before the tail began.
        if (polls > 0) out.write(`event: invocation\ndata: ${JSON.stringify(invocationView(record))}\n\n`);
      }
      for (const [key, startedAt] of seen) if (startedAt < now - lookbackMs) seen.delete(key);
      if (polls % keepAliveEvery === keepAliveEvery - 1) out.write(': keep-alive\n\n');
    } catch (err) {
      out.write(`event: problem\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`);
    }
    polls++;
    if (!ended) timer = setTimeout(() => void poll(), tailPollMs);
  };

  const end = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    out.end();
  };
  request.raw.on('close', end);
  void poll();
  return end;
}
