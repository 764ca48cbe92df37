-- sync: backfill / reconcile the posts a CMS says are published.
-- KEYS: 1 win, 2 neg, 3 daily, 4 audit, 5 pos, then the ledgers of the np posts, then
--       the ledgers of the nc withdrawal candidates, then the nk pending holds known
-- ARGV: 1 now, 2 window, 3 actor, 4 ledger ttl, 5 np, 6 nc, 7 nk, 8 complete 0/1,
--       9-13 totals of the earlier calls of this sync (added, withdrawn,
--       unchanged, outside, changed 0/1), 14 last call 0/1,
--       15-16 the range of go-live times a complete sync withdraws from:
--       (lo, hi) in ms, hi "+inf" or "(ms" (exclusive),
--       then per post: id, tone (n negative, p positive, u neutral), published at (ms), day;
--       then the candidates' ids; then the known pending hold ids
-- A large sync is several calls (each short, so Redis never stalls); the
-- last writes the audit entry. Candidates are the window's posts missing from
-- the list when the caller read it; each is checked again here.
-- Returns {added, withdrawn, unchanged, outside} (lists of post ids).
local nowS, now, window = ARGV[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local cutoff = now - window
local np, nc, nk = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local ttl = ARGV[4]
local pa, ca, ka = 17, 17 + 4 * np, 17 + 4 * np + nc
local lo, hi = tonumber(ARGV[15]), math.huge
if ARGV[16] ~= '+inf' then hi = tonumber(string.sub(ARGV[16], 2)) end
local pk, ck, kk = 6, 6 + np, 6 + np + nc

local known = {}
for j = 0, nk - 1 do known[ARGV[ka + j]] = KEYS[kk + j] end

-- First pass: read every ledger; ask for the keys of pending holds we must cancel.
local ledgers, missing = {}, {}
for i = 0, np - 1 do
  local L = ledger(KEYS[pk + i])
  ledgers[i] = L
  if L.state == 'held' and L.hold ~= '' and not known[L.hold] then missing[#missing + 1] = L.hold end
end
if #missing > 0 then return need(missing) end

local added, withdrawn, unchanged, outside = {}, {}, {}, {}
local changed = ARGV[13] == '1'
for i = 0, np - 1 do
  local id, tone, at, day = ARGV[pa + 4 * i], ARGV[pa + 4 * i + 1], ARGV[pa + 4 * i + 2], ARGV[pa + 4 * i + 3]
  local key, L = KEYS[pk + i], ledgers[i]
  local inWindow = tonumber(at) > cutoff
  if not inWindow then outside[#outside + 1] = id end
  if L.state == 'counted' then
    if inWindow then unchanged[#unchanged + 1] = id end
  else
    -- Counted at its go-live time; before the window it only enters the
    -- ledger (and its day), so an edit never counts it.
    if inWindow then
      count(KEYS[1], KEYS[2], KEYS[5], KEYS[3], id, at, day, tone)
      added[#added + 1] = id
    else
      redis.call('HINCRBY', KEYS[3], day .. ':p', 1)
      dailyTone(KEYS[3], day, tone, 1)
    end
    if L.state == 'held' and L.hold ~= '' then cancelHold(known[L.hold], nowS, 'published') end
    local negFlag, posFlag = flags(tone)
    putLedger(key, 'counted', negFlag, posFlag, at, day, '', nowS, ttl)
    changed = true
  end
end

if nc > 0 then
  local listed = {}
  for i = 0, np - 1 do listed[ARGV[pa + 4 * i]] = true end
  for j = 0, nc - 1 do
    local id, key = ARGV[ca + j], KEYS[ck + j]
    local score = redis.call('ZSCORE', KEYS[1], id)
    if not listed[id] and score and tonumber(score) > cutoff and tonumber(score) > lo and tonumber(score) < hi then
      local L = ledger(key)
      if L.state == 'counted' then
        uncount(KEYS[1], KEYS[2], KEYS[5], KEYS[3], id, L.day, toneOf(L.neg, L.pos))
        putLedger(key, 'withdrawn', L.neg, L.pos, L.at, L.day, L.hold, nowS, ttl)
        withdrawn[#withdrawn + 1] = id
        changed = true
      end
    end
  end
end

if changed and ARGV[14] == '1' then
  redis.call('XADD', KEYS[4], '*', 'type', 'sync', 'at', nowS, 'actor', ARGV[3], 'detail',
    string.format('{"added":%d,"withdrawn":%d,"unchanged":%d,"outside_window":%d,"complete":%s}',
      #added + tonumber(ARGV[9]), #withdrawn + tonumber(ARGV[10]), #unchanged + tonumber(ARGV[11]),
      #outside + tonumber(ARGV[12]), tostring(ARGV[8] == '1')))
end
local c = 0
if changed then c = 1 end
return {added, withdrawn, unchanged, outside, c}
