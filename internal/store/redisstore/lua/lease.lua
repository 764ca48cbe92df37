-- lease: hand out up to n due callbacks, oldest next attempt first, and move
-- their next attempt to now+lease so other replicas skip them meanwhile.
-- KEYS: 1 outbox (due), 2 outbox records
-- ARGV: 1 now, 2 now+lease, 3 n
-- Returns per callback: id, record, status, next, attempts, last error, delivered.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
  redis.call('HSET', KEYS[2], id .. ':n', ARGV[2])
  local f = redis.call('HMGET', KEYS[2], id, id .. ':s', id .. ':n', id .. ':a', id .. ':e', id .. ':d')
  out[#out + 1] = id
  for k = 1, 6 do out[#out + 1] = f[k] or '' end
end
return out
