-- Shared by every Gatekeeper script (prepended by the Go side).
-- Times are Unix milliseconds; Lua numbers are doubles, exact below 2^53.

-- fmt writes an integer (string.format's %d is far cheaper than Lua's own
-- number-to-string conversion, which goes through %.14g).
local function fmt(x) return string.format('%d', x) end

-- bits returns the three comparisons of policy.SituationAt for window counts
-- p, n (excluding the post): 1 = (n+1)/(p+1) > limit, 2 = > warn_at,
-- 4 = p < min_sample. Integer arithmetic, exactly as the Go side.
local function bits(p, n, limit, warn, minSample)
  local b = 0
  if (n + 1) * 10000 > limit * (p + 1) then b = b + 1 end
  if (n + 1) * 10000 > warn * (p + 1) then b = b + 2 end
  if p < minSample then b = b + 4 end
  return b
end

-- outletKeys returns the outlet's window, negative, positive, daily and
-- audit keys, made from its key prefix K (the names keys.go gives them).
-- In a Redis Function (check.lua) the memo lives as long as the library,
-- so an outlet's keys are made once, not on every check: each string Lua
-- makes costs its interning, which hashes every byte (deploy/performance.md,
-- round 11). It is emptied when it holds keyMemoMax outlets, so it stays
-- small whatever the number of outlets. (In an EVALSHA script it lives for
-- one call.)
local keyMemoMax = 1024
local keyMemo, keyMemoN = {}, 0
local function outletKeys(K)
  local k = keyMemo[K]
  if k then return k end
  if keyMemoN >= keyMemoMax then keyMemo, keyMemoN = {}, 0 end
  k = {win = K .. KEY_WIN, neg = K .. KEY_NEGATIVE, pos = K .. KEY_POSITIVE, daily = K .. KEY_DAILY, audit = K .. KEY_AUDIT}
  keyMemo[K], keyMemoN = k, keyMemoN + 1
  return k
end

-- count and uncount keep win, neg, pos and the daily series in line with a
-- post's ledger: the daily series counts posts whose state is counted, in
-- the fields DAY:p (published), DAY:n (negative) and DAY:pos (positive).
-- A tone is 'n' (negative), 'p' (positive) or anything else (neutral).

-- dailyTone moves the daily count of tone (negative or positive) by d.
local function dailyTone(daily, day, tone, d)
  if tone == 'n' then redis.call('HINCRBY', daily, day .. ':n', d)
  elseif tone == 'p' then redis.call('HINCRBY', daily, day .. ':pos', d) end
end

local function count(win, neg, pos, daily, post, at, day, tone)
  redis.call('ZADD', win, at, post)
  if tone == 'n' then redis.call('ZADD', neg, at, post)
  elseif tone == 'p' then redis.call('ZADD', pos, at, post) end
  redis.call('HINCRBY', daily, day .. ':p', '1')
  dailyTone(daily, day, tone, '1')
end

local function uncount(win, neg, pos, daily, post, day, tone)
  redis.call('ZREM', win, post)
  redis.call('ZREM', neg, post)
  redis.call('ZREM', pos, post)
  redis.call('HINCRBY', daily, day .. ':p', '-1')
  dailyTone(daily, day, tone, '-1')
end

-- toneOf reads a ledger's (or hold's) neg and pos fields as a tone.
local function toneOf(neg, pos)
  if neg == '1' then return 'n' elseif pos == '1' then return 'p' end
  return 'u'
end

-- flags are the ledger's neg and pos fields for a tone.
local function flags(tone)
  if tone == 'n' then return '1', '0' elseif tone == 'p' then return '0', '1' end
  return '0', '0'
end

-- retone moves a counted post (go-live time at, day) from tone was to tone
-- now: the neg and pos sets and the daily negative and positive counts. at
-- is nil for a post pruned from the window: only its day moves.
local function retone(neg, pos, daily, post, at, day, was, now)
  if was == now then return end
  if was == 'n' then
    redis.call('ZREM', neg, post)
  elseif was == 'p' then
    redis.call('ZREM', pos, post)
  end
  dailyTone(daily, day, was, '-1')
  if now == 'n' then
    if at then redis.call('ZADD', neg, at, post) end
  elseif now == 'p' then
    if at then redis.call('ZADD', pos, at, post) end
  end
  dailyTone(daily, day, now, '1')
end

local function cancelHold(key, now, reason)
  redis.call('HSET', key, 'status', 'cancelled', 'updated', now, 'cancel', reason)
end

local function jsonStr(s) return cjson.encode(s) end

-- A check's webhook record (lua/check.lua) is a list {claim, code, hold id,
-- counts, snapshot}, which GET refuses (WRONGTYPE); earlier versions kept a
-- string, "code,hold id", a newline, the audit detail, a newline, the
-- snapshot (under keys.reply after the claim and a newline). recorded reads
-- the record kept under key as the check answers a repeat: {'r', code, hold
-- id, counts, snapshot}, and the list's claim; {'r', record} for a string;
-- nil when there is none.
local function recorded(key)
  local got = redis.pcall('GET', key)
  if type(got) == 'table' then
    local r = redis.call('LRANGE', key, 0, -1)
    return {'r', r[2], r[3], r[4], r[5]}, r[1]
  end
  if got then return {'r', got} end
  return nil
end

-- need asks the caller to call again with the keys of these pending holds in
-- KEYS (their ids are only known here); nothing has been written.
local function need(ids) return redis.error_reply('GKNEED ' .. table.concat(ids, ' ')) end

-- A post's ledger is one string "state|neg|pos|at|day|hold|updated" (neg and
-- pos 0/1, at and updated Unix ms, day YYYYMMDD, hold a pending hold's id),
-- written with its lifetime in one SET … PX. ledger reads it as a table
-- {state, neg, pos, at, day, hold, updated} (noLedger when absent); a ledger
-- written as a hash by an earlier version is read from its fields, and the
-- next write replaces it with the string.
local noLedger = {}
local function ledger(key)
  local v = redis.pcall('GET', key)
  if not v then return noLedger end
  if type(v) == 'table' then
    if not v.err then return noLedger end
    local h = redis.call('HMGET', key, 'state', 'neg', 'pos', 'at', 'day', 'hold', 'updated')
    if not h[1] then return noLedger end
    return {state = h[1], neg = h[2] or '0', pos = h[3] or '0', at = h[4] or '', day = h[5] or '', hold = h[6] or '', updated = h[7] or ''}
  end
  local st, n, p, at, day, hold, up = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  return {state = st, neg = n, pos = p, at = at, day = day, hold = hold, updated = up}
end

-- putLedger writes a ledger (fields as ledger returns them) for ttl ms.
local function putLedger(key, state, neg, pos, at, day, hold, updated, ttl)
  redis.call('SET', key, state .. '|' .. neg .. '|' .. pos .. '|' .. at .. '|' .. day .. '|' .. hold .. '|' .. updated, 'PX', ttl)
end
