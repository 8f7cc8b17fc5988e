import type { Redis } from 'ioredis';

/**
 * A missed message (the subscriber reconnecting) costs a waiter at most this long: it then tries
 * to take a worker again anyway.
 */
const recheckMs = 1000;

/** One taker blocked at maxWorkers. A wake that arrives while it is trying to take is kept for its next wait. */
class Waiter {
  private woken = false;
  private resolveWait: (() => void) | undefined;

  wake(): void {
    this.woken = true;
    this.resolveWait?.();
  }

  /** Woken, and not yet waited since: the next wake should go to another waiter. */
  get hasPendingWake(): boolean {
    return this.woken;
  }

  /** Resolves on a wake or after `ms`, whichever comes first. */
  async wait(ms: number): Promise<void> {
    if (!this.woken) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(ms, recheckMs));
        this.resolveWait = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.woken = false;
    this.resolveWait = undefined;
  }
}

interface Channel {
  waiters: Waiter[];
  subscribed: Promise<unknown>;
}

/**
 * The blocking side of the Redis pool: every Lua script that frees a worker or a start slot
 * PUBLISHes on `freed:{fn}:{v}`; a gateway subscribes to a key's channel only while one of its
 * requests waits there, and each message wakes its longest waiting taker (one freed worker can
 * serve one waiter, so waking them all would only make them race).
 */
export class FreedSignals {
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly redis: Redis,
    private readonly channelOf: (key: string) => string,
  ) {}

  private connection(): Redis {
    if (!this.subscriber) {
      // Subscriptions may queue while it connects; ioredis subscribes again after a reconnect.
      this.subscriber = this.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (channel: string) => {
        const waiter = this.channels.get(channel)?.waiters.find((w) => !w.hasPendingWake);
        waiter?.wake();
      });
    }
    return this.subscriber;
  }

  /** Starts listening for `key` before the caller's next try, so no message between the two is lost. */
  async listen(key: string): Promise<Waiter> {
    const name = this.channelOf(key);
    let channel = this.channels.get(name);
    if (!channel) {
      channel = {
        waiters: [],
        subscribed: this.connection()
          .subscribe(name)
          .catch(() => undefined),
      };
      this.channels.set(name, channel);
    }
    const waiter = new Waiter();
    channel.waiters.push(waiter);
    await channel.subscribed;
    return waiter;
  }

  /** A retired key frees everyone waiting on it at once. */
  wakeAll(key: string): void {
    for (const waiter of this.channels.get(this.channelOf(key))?.waiters ?? []) waiter.wake();
  }

  stop(key: string, waiter: Waiter): void {
    const name = this.channelOf(key);
    const channel = this.channels.get(name);
    if (!channel) return;
    channel.waiters = channel.waiters.filter((w) => w !== waiter);
    // A wake this waiter no longer needs goes to the next one.
    if (waiter.hasPendingWake) channel.waiters.find((w) => !w.hasPendingWake)?.wake();
    if (channel.waiters.length > 0) return;
    this.channels.delete(name);
    void this.subscriber?.unsubscribe(name).catch(() => undefined);
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
