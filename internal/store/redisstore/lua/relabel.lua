-- relabel: a manager sets a post's tone; a counted post's count moves with it.
-- KEYS: 1 win, 2 neg, 3 daily, 4 post ledger, 5 audit, 6 the post's pending hold (if known)
-- ARGV: 1 post, 2 negative 0/1, 3 now, 4 actor, 5 note, 6 ledger ttl, 7 the pending hold id KEYS[6] belongs to
local post, nowS, isNeg = ARGV[1], ARGV[3], ARGV[2] == '1'
local L = redis.call('HMGET', KEYS[4], 'state', 'neg', 'day', 'hold')
local state = L[1]
if not state then return redis.error_reply('GKNOTFOUND post') end
local pending = nil
if state == 'held' and L[4] and L[4] ~= '' then pending = L[4] end
if pending and ARGV[7] ~= pending then return need({pending}) end

local wasNeg = L[2] == '1'
if wasNeg ~= isNeg then
  if state == 'counted' then
    local at = redis.call('ZSCORE', KEYS[1], post)
    if at then
      if isNeg then redis.call('ZADD', KEYS[2], at, post) else redis.call('ZREM', KEYS[2], post) end
    end
    local d = 1
    if not isNeg then d = -1 end
    redis.call('HINCRBY', KEYS[3], L[3] .. ':n', d)
  end
  if pending then redis.call('HSET', KEYS[6], 'neg', ARGV[2], 'updated', nowS) end
  redis.call('HSET', KEYS[4], 'neg', ARGV[2], 'updated', nowS)
  redis.call('PEXPIRE', KEYS[4], ARGV[6])
end
redis.call('XADD', KEYS[5], '*', 'type', 'relabel', 'at', nowS, 'post', post, 'hold', pending or '', 'actor', ARGV[4],
  'detail', string.format('{"negative":%s,"previous":%s,"note":%s}', tostring(isNeg), tostring(wasNeg), jsonStr(ARGV[5])))
return 1
