-- adopt: register a freshly started worker as live and leased to its starter; consumes the slot.
-- KEYS[1] starting:{fn}:{v}  ZSET   KEYS[2] live:{fn}:{v}  SET    KEYS[3] leases  ZSET
-- KEYS[4] worker:{address}   HASH   KEYS[5] mworkers:{manager}  SET  addresses per manager
-- ARGV[1] ticket   ARGV[2] address   ARGV[3] lease deadline (ms)   ARGV[4..] hash field, value pairs
-- Returns 1
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[4], unpack(ARGV, 4))
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('SADD', KEYS[5], ARGV[2])
return 1
