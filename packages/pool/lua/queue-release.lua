-- queue-release: an event no longer waits or runs (it finished, failed for good, or its function went): it stops
-- counting against its owner's quotas; each event once.
-- KEYS[1] async:held:{functionId}  HASH jobId -> bytes   KEYS[2] async:owner:{ownerId}  HASH events, bytes
-- ARGV[1] key prefix   ARGV[2..] job ids
-- Returns: the number of events released
local released = 0
for i = 2, #ARGV do
  local bytes = redis.call('HGET', KEYS[1], ARGV[i])
  if bytes then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HINCRBY', KEYS[2], 'events', -1)
    redis.call('HINCRBY', KEYS[2], 'bytes', -tonumber(bytes))
    released = released + 1
  end
end
return released
