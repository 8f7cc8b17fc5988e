-- adopt: register a freshly started worker as live and leased to its starter; consumes the slot.
-- KEYS[1] starting:{fn}:{v}  ZSET   KEYS[2] live:{fn}:{v}  SET   KEYS[3] leases  ZSET
-- KEYS[4] worker:{address}  HASH   KEYS[5] mworkers:{manager}  SET
-- ARGV[1] key prefix   ARGV[2] ticket   ARGV[3] address   ARGV[4] lease deadline (ms)   ARGV[5..] hash field, value pairs
-- Returns: 1
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[4], unpack(ARGV, 5))
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
redis.call('SADD', KEYS[5], ARGV[3])
return 1
