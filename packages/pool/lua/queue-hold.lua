-- queue-hold: count an accepted asynchronous event against its owner's quotas (events and bytes waiting or
-- running, across all of the owner's functions), unless that would pass them; each event once.
-- KEYS[1] async:held:{functionId}  HASH jobId -> bytes   KEYS[2] async:owner:{ownerId}  HASH events, bytes
-- ARGV[1] key prefix   ARGV[2] job id   ARGV[3] bytes   ARGV[4] most events   ARGV[5] most bytes
-- Returns: {reply, events, bytes} with the owner's counts before it: HELD=1 counted | EVENTS=0 refused, events
-- quota | BYTES=-1 refused, bytes quota | ALREADY=2 it was counted already
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then return {2, 0, 0} end
local events = tonumber(redis.call('HGET', KEYS[2], 'events') or '0')
local bytes = tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0')
if events + 1 > tonumber(ARGV[4]) then return {0, events, bytes} end
if bytes + tonumber(ARGV[3]) > tonumber(ARGV[5]) then return {-1, events, bytes} end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[2], 'events', 1)
redis.call('HINCRBY', KEYS[2], 'bytes', ARGV[3])
return {1, events, bytes}
