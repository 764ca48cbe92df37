-- finish: record one delivery attempt of a pending callback.
-- KEYS: 1 outbox (due), 2 outbox records
-- ARGV: 1 id, 2 at, 3 delivered 0/1, 4 error, 5 next attempt (0 = give up)
local id = ARGV[1]
local s = redis.call('HGET', KEYS[2], id .. ':s')
if not s then return redis.error_reply('GKNOTFOUND callback') end
if s ~= 'pending' then return redis.error_reply('GKCONFLICT callback is ' .. s) end
redis.call('HINCRBY', KEYS[2], id .. ':a', 1)
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[2], id .. ':s', 'delivered', id .. ':d', ARGV[2])
  redis.call('ZREM', KEYS[1], id)
else
  redis.call('HSET', KEYS[2], id .. ':e', ARGV[4])
  if ARGV[5] ~= '0' then
    redis.call('HSET', KEYS[2], id .. ':n', ARGV[5])
    redis.call('ZADD', KEYS[1], ARGV[5], id)
  else
    redis.call('HSET', KEYS[2], id .. ':s', 'failed')
    redis.call('ZREM', KEYS[1], id)
  end
end
return 1
