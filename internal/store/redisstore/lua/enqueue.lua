-- enqueue: put a callback in the outbox unless its id is already there.
-- KEYS: 1 outbox (due), 2 outbox records, 3 outbox (all)
-- ARGV: 1 id, 2 record (JSON), 3 created (ms), 4 next attempt (ms)
-- Returns 1 when queued, 0 when the id was there (nothing changed).
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2], ARGV[1] .. ':s', 'pending', ARGV[1] .. ':n', ARGV[4], ARGV[1] .. ':a', 0)
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1
