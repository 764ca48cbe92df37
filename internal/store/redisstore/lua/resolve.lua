-- resolve: approve (count the post now, even past the limit) or reject a pending hold,
-- and put the notice to the CMS in the outbox in the same step.
-- KEYS: 1 hold, 2 post ledger, 3 win, 4 neg, 5 daily, 6 audit, 7 outbox (due), 8 outbox records, 9 outbox (all), 10 pos
-- ARGV: 1 hold id, 2 approve 0/1, 3 reviewer, 4 note, 5 now, 6 day, 7 ledger ttl, 8 post id,
--       9 callback id ('' none), 10 callback record, 11 callback created, 12 callback next attempt,
--       13 guard plan codes ('' none: unconditional), 14 window start (ms: now - window),
--       15 limit, 16 warn_at, 17 min_sample
-- Returns the hold's fields (HGETALL).
local hid, approve, nowS, post = ARGV[1], ARGV[2] == '1', ARGV[5], ARGV[8]
local H = redis.call('HMGET', KEYS[1], 'status', 'post', 'neg', 'pos')
if not H[1] then return redis.error_reply('GKNOTFOUND hold') end
if H[2] ~= post then return redis.error_reply('GKSTALE hold post changed') end
if H[1] ~= 'pending' then return redis.error_reply('GKCONFLICT hold is ' .. H[1]) end

local L = ledger(KEYS[2])
local ours = L.state == 'held' and L.hold == hid
local typ = 'reject'
if approve then
  typ = 'approve'
  local tone = toneOf(H[3], H[4])
  if L.state ~= 'counted' and ARGV[13] ~= '' then
    -- A guarded approval counts the post only where a check of it now
    -- would not be held (store.Guard.Holds); the post is not in the window.
    local lo = '(' .. ARGV[14]
    local P = redis.call('ZCOUNT', KEYS[3], lo, '+inf')
    local N = redis.call('ZCOUNT', KEYS[4], lo, '+inf')
    local idx = bits(P, N, tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17]))
    local code = string.sub(ARGV[13], idx + 1, idx + 1)
    if code == 'h' or code == 'H' then
      return redis.error_reply(string.format('GKNOTSAFE hold %s at %d/%d', hid, N, P))
    end
  end
  if L.state ~= 'counted' then
    count(KEYS[3], KEYS[4], KEYS[10], KEYS[5], post, nowS, ARGV[6], tone)
    local negFlag, posFlag = flags(tone)
    putLedger(KEYS[2], 'counted', negFlag, posFlag, nowS, ARGV[6], '', nowS, ARGV[7])
  end
  redis.call('HSET', KEYS[1], 'status', 'approved')
else
  if ours then
    putLedger(KEYS[2], 'rejected', L.neg, L.pos, L.at, L.day, '', nowS, ARGV[7])
  end
  redis.call('HSET', KEYS[1], 'status', 'rejected')
end
redis.call('HSET', KEYS[1], 'reviewer', ARGV[3], 'note', ARGV[4], 'resolved', nowS, 'updated', nowS)
redis.call('XADD', KEYS[6], '*', 'type', typ, 'at', nowS, 'post', post, 'hold', hid, 'actor', ARGV[3],
  'detail', string.format('{"note":%s}', jsonStr(ARGV[4])))

local cid = ARGV[9]
if cid ~= '' then
  redis.call('HSET', KEYS[8], cid, ARGV[10], cid .. ':s', 'pending', cid .. ':n', ARGV[12], cid .. ':a', 0)
  redis.call('ZADD', KEYS[7], ARGV[12], cid)
  redis.call('ZADD', KEYS[9], ARGV[11], cid)
end
return redis.call('HGETALL', KEYS[1])
