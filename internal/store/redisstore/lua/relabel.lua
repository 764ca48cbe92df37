-- relabel: a manager sets a post's tone; a counted post's count moves with it.
-- KEYS: 1 win, 2 neg, 3 daily, 4 post ledger, 5 audit, 6 the post's pending hold (if known), 7 pos
-- ARGV: 1 post, 2 tone (n negative, p positive, u neutral), 3 now, 4 actor, 5 note, 6 ledger ttl,
--       7 the pending hold id KEYS[6] belongs to
local post, nowS, tone = ARGV[1], ARGV[3], ARGV[2]
local L = ledger(KEYS[4])
local state = L.state
if not state then return redis.error_reply('GKNOTFOUND post') end
local pending = nil
if state == 'held' and L.hold ~= '' then pending = L.hold end
if pending and ARGV[7] ~= pending then return need({pending}) end

local was = toneOf(L.neg, L.pos)
if was ~= tone then
  if state == 'counted' then
    local at = redis.call('ZSCORE', KEYS[1], post)
    retone(KEYS[2], KEYS[7], KEYS[3], post, at or nil, L.day, was, tone)
  end
  local negFlag, posFlag = flags(tone)
  if pending then redis.call('HSET', KEYS[6], 'neg', negFlag, 'pos', posFlag, 'updated', nowS) end
  putLedger(KEYS[4], state, negFlag, posFlag, L.at, L.day, L.hold, nowS, ARGV[6])
end
local names = {n = 'negative', p = 'positive', u = 'neutral'}
redis.call('XADD', KEYS[5], '*', 'type', 'relabel', 'at', nowS, 'post', post, 'hold', pending or '', 'actor', ARGV[4],
  'detail', string.format('{"negative":%s,"previous":%s,"tone":"%s","previous_tone":"%s","note":%s}',
    tostring(tone == 'n'), tostring(was == 'n'), names[tone] or 'neutral', names[was], jsonStr(ARGV[5])))
return 1
