import type { ScriptName } from './lua-scripts.js';

/**
 * What the pool's Lua scripts answer. Each script's header lists the same NAME=value pairs on its
 * `Returns:` line (a unit test holds them together); scripts not named here return data.
 */
export const AcquireReply = { WARM: 1, COLD: 2, FULL: 3, RETIRED: 4 } as const;
export const GiveBackReply = { RETURNED: 1, NOT_LEASED: 0, REFUSED: -1 } as const;
export const AdoptIdleReply = { IDLE: 1, REFUSED: 0 } as const;
export const ReserveWarmReply = { RESERVED: 1, ENOUGH: 0 } as const;
export const RemoveIdleReply = { REMOVED: 1, KEPT: 0 } as const;
export const RestoreReply = { RESTORED: 1, REFUSED: 0 } as const;
export const QueueHoldReply = { HELD: 1, EVENTS: 0, BYTES: -1, ALREADY: 2 } as const;

export const scriptReplies: Partial<Record<ScriptName, Record<string, number>>> = {
  acquire: AcquireReply,
  'give-back': GiveBackReply,
  'adopt-idle': AdoptIdleReply,
  'reserve-warm': ReserveWarmReply,
  'remove-idle': RemoveIdleReply,
  restore: RestoreReply,
  'queue-hold': QueueHoldReply,
};
