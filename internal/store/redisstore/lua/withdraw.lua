-- withdraw: take a post out of the counts (idempotent).
-- KEYS: 1 win, 2 neg, 3 daily, 4 post ledger, 5 audit, 6 the post's pending hold (if known), 7 pos
-- ARGV: 1 post, 2 now, 3 actor, 4 ledger ttl, 5 the pending hold id KEYS[6] belongs to
-- Returns {withdrawn 0/1, cancelled hold id, previous state}.
local post, nowS = ARGV[1], ARGV[2]
local L = ledger(KEYS[4])
local state = L.state
if not state then return redis.error_reply('GKNOTFOUND post') end
local pending = nil
if state == 'held' and L.hold ~= '' then pending = L.hold end
if pending and ARGV[5] ~= pending then return need({pending}) end

local withdrawn = 0
if state == 'counted' then
  uncount(KEYS[1], KEYS[2], KEYS[7], KEYS[3], post, L.day, toneOf(L.neg, L.pos))
  withdrawn = 1
elseif pending then
  cancelHold(KEYS[6], nowS, 'withdrawn')
else
  -- Already withdrawn, rejected, or held without a pending hold: nothing to do.
  return {0, '', state}
end
putLedger(KEYS[4], 'withdrawn', L.neg, L.pos, L.at, L.day, '', nowS, ARGV[4])
redis.call('XADD', KEYS[5], '*', 'type', 'withdraw', 'at', nowS, 'post', post, 'hold', pending or '',
  'actor', ARGV[3], 'detail', string.format('{"previous":%s}', jsonStr(state)))
return {withdrawn, pending or '', state}
