-- retry: make a pending or failed callback due now.
-- KEYS: 1 outbox (due), 2 outbox records
-- ARGV: 1 id, 2 now
local id = ARGV[1]
local s = redis.call('HGET', KEYS[2], id .. ':s')
if not s then return redis.error_reply('GKNOTFOUND callback') end
if s ~= 'pending' and s ~= 'failed' then return redis.error_reply('GKCONFLICT callback is ' .. s) end
redis.call('HSET', KEYS[2], id .. ':s', 'pending', id .. ':n', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[2], id)
return 1
