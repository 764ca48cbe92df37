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

-- count and uncount keep win, neg and the daily series in line with a
-- post's ledger: the daily series counts posts whose state is counted.
local function count(win, neg, daily, post, at, day, isNeg)
  redis.call('ZADD', win, at, post)
  if isNeg then redis.call('ZADD', neg, at, post) end
  redis.call('HINCRBY', daily, day .. ':p', '1')
  if isNeg then redis.call('HINCRBY', daily, day .. ':n', '1') end
end

local function uncount(win, neg, daily, post, day, isNeg)
  redis.call('ZREM', win, post)
  redis.call('ZREM', neg, post)
  redis.call('HINCRBY', daily, day .. ':p', '-1')
  if isNeg then redis.call('HINCRBY', daily, day .. ':n', '-1') end
end

local function cancelHold(key, now, reason)
  redis.call('HSET', key, 'status', 'cancelled', 'updated', now, 'cancel', reason)
end

local function jsonStr(s) return cjson.encode(s) end

-- need asks the caller to call again with the keys of these pending holds in
-- KEYS (their ids are only known here); nothing has been written.
local function need(ids) return redis.error_reply('GKNEED ' .. table.concat(ids, ' ')) end
