-- check: decide one post atomically and record the result.
-- KEYS: 1 win, 2 neg, 3 daily, 4 post ledger, 5 webhook record, 6 audit, 7 pos;
--       and, once asked for them (GKNEED), 8 holds, 9 the new hold,
--       10 the post's pending hold (if known)
-- ARGV: 1 post, 2 now (ms), 3 window start (ms: now - window), 4 day,
--       5 plan codes, 6 tone (n negative, p positive, u neutral), 7 limit, 8 warn_at, 9 min_sample,
--       10 dry 0/1, 11 webhook id as a JSON string ('' = none),
--       12 webhook ttl (ms), 13 snapshot (kept for replays), 14 actor,
--       15 ledger ttl (ms), 16 prune 0/1, 17 the reading (JSON object, kept
--       in the audit detail);
--       with the hold keys: 18 new hold id, 19 hold snapshot,
--       20 the pending hold id KEYS[10] belongs to
-- Returns {code, index, P, N, hold id, earliest safe (-1 none), positive}, or
-- {'r', record} for a repeated webhook id (the record as stored below).
--
-- The common path (a new post that is counted) is kept short: no hold keys,
-- no hold snapshot (the post's full text), no number formatting beyond
-- string.format('%d'). A check that must touch a hold (the verdict is hold,
-- or the post has a pending hold) answers GKNEED having written nothing, and
-- is called again with the hold keys and the hold snapshot.
local post, nowS, cutS, day, plan = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local tone, dry, widJ = ARGV[6], ARGV[10] == '1', ARGV[11]
local isNeg, isPos = tone == 'n', tone == 'p'
local negFlag, posFlag = flags(tone)
local limit, warn, minSample = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local full = KEYS[10] ~= nil

-- A repeated webhook id gets the first answer and changes nothing.
if widJ ~= '' then
  local rec = redis.call('GET', KEYS[5])
  if rec then return {'r', rec} end
end

-- What the ledger knows: policy.Ledger.
local L = redis.call('HMGET', KEYS[4], 'state', 'neg', 'at', 'day', 'hold', 'pos')
local state, wasNeg, lday = L[1], L[2] == '1', L[4]
local was = toneOf(L[2], L[6])

local pending = nil
if state == 'held' and L[5] and L[5] ~= '' then pending = L[5] end
if pending and not dry and ARGV[20] ~= pending then return need({pending}) end
local at, cutoff, window = 0, 0, 0
local ledger = 0
if state == 'counted' then
  at, cutoff = tonumber(L[3]), tonumber(cutS)
  if at > cutoff then
    if wasNeg then ledger = 2 else ledger = 1 end
  else
    ledger = 3
  end
end

-- The window's counts, excluding the post.
local lo = '(' .. cutS
local P = redis.call('ZCOUNT', KEYS[1], lo, '+inf')
local N = redis.call('ZCOUNT', KEYS[2], lo, '+inf')
local G = redis.call('ZCOUNT', KEYS[7], lo, '+inf')
if ledger == 1 then P = P - 1 elseif ledger == 2 then P = P - 1; N = N - 1 end
if ledger == 1 and was == 'p' then G = G - 1 end

local idx = ledger * 8 + bits(P, N, limit, warn, minSample)
local code = string.sub(plan, idx + 1, idx + 1)
local counted = code == 'a' or code == 'w'
if not counted and not dry and not full then return need({}) end

-- Earliest safe time: what policy.EarliestSafe finds by walking the window
-- oldest first (posts live at the same millisecond leave together) until a
-- new post (ledger: not counted) would no longer be held; found without
-- visiting every post. While only non-negative posts leave, n is fixed and
-- p falls, so the situation's bits change only where p crosses one of three
-- thresholds; so only the groups with a negative post and those crossings
-- need a look (found by rank). The post itself is left out throughout.
local function earliest()
  local postIn = ledger == 1 or ledger == 2
  local function upTo(key, x, exclusive, isPostThere)
    local hi = fmt(x)
    if exclusive then hi = '(' .. hi end
    local c = redis.call('ZCOUNT', key, lo, hi)
    if isPostThere and (at < x or (at == x and not exclusive)) then c = c - 1 end
    return c
  end
  local function lifts(p, n)
    local i = bits(p, n, limit, warn, minSample)
    local c = string.sub(plan, i + 1, i + 1)
    return c ~= 'h' and c ~= 'H'
  end
  -- the largest p at which (n+1)/(p+1) > x/10000 still holds
  local function thr(x, n)
    if x <= 0 then return math.huge end
    return math.floor(((n + 1) * 10000 + x - 1) / x) - 2
  end
  if P == 0 then return -1 end
  local rank0 = redis.call('ZCOUNT', KEYS[1], '-inf', fmt(cutoff))
  local postRank = nil
  if postIn then postRank = redis.call('ZRANK', KEYS[1], post) end
  -- the go-live time of the k-th (from 0) post of the window
  local function kth(k)
    local r = rank0 + k
    if postRank and postRank <= r then r = r + 1 end
    return tonumber(redis.call('ZRANGE', KEYS[1], r, r, 'WITHSCORES')[2])
  end
  -- The first group to leave.
  local x0 = kth(0)
  if lifts(P - upTo(KEYS[1], x0, false, postIn), N - upTo(KEYS[2], x0, false, postIn and wasNeg)) then
    return x0 + window
  end
  -- The negative posts, oldest first, in pages.
  local buf, i, rank, done = {}, 1, redis.call('ZCOUNT', KEYS[2], '-inf', fmt(cutoff)), false
  local function peek()
    while true do
      if i > #buf then
        if done then return nil end
        buf = redis.call('ZRANGE', KEYS[2], rank, rank + 255, 'WITHSCORES')
        rank, i = rank + 256, 1
        if #buf < 512 then done = true end
        if #buf == 0 then return nil end
      end
      if buf[i] ~= post then return tonumber(buf[i + 1]) end
      i = i + 2
    end
  end
  local p, n = P, N
  while true do
    local tb = peek()
    -- Before tb only non-negative posts leave: look where p crosses a threshold.
    local ts = {thr(limit, n), thr(warn, n), minSample - 1}
    table.sort(ts, function(a, b) return a > b end)
    local pEnd = nil
    for _, t in ipairs(ts) do
      if t < p and t >= 0 then
        if not pEnd then
          pEnd = 0
          if tb then pEnd = P - upTo(KEYS[1], tb, true, postIn) end
        end
        if pEnd <= t then
          local x = kth(P - t - 1)
          if lifts(P - upTo(KEYS[1], x, false, postIn), n) then return x + window end
        end
      end
    end
    if not tb then return -1 end
    -- The group at tb, with its negative posts.
    while tb and peek() == tb do
      n = n - 1
      i = i + 2
    end
    p = P - upTo(KEYS[1], tb, false, postIn)
    if lifts(p, n) then return tb + window end
  end
end
local es = -1
if code == 'h' then
  cutoff = tonumber(cutS)
  window = tonumber(nowS) - cutoff
  es = earliest()
end

if dry then
  return {code, idx, P, N, pending or '', es, G}
end

local holdID = ''
if counted then
  if ledger == 0 then
    count(KEYS[1], KEYS[2], KEYS[7], KEYS[3], post, nowS, day, tone)
    if state then
      redis.call('HSET', KEYS[4], 'state', 'counted', 'neg', negFlag, 'pos', posFlag, 'at', nowS, 'day', day, 'hold', '', 'updated', nowS)
    else
      redis.call('HSET', KEYS[4], 'state', 'counted', 'neg', negFlag, 'pos', posFlag, 'at', nowS, 'day', day, 'updated', nowS)
    end
    if pending then cancelHold(KEYS[10], nowS, 'rechecked') end
  elseif ledger == 1 or ledger == 2 then
    -- An edit that changed the tone: the counts move on the post's go-live day.
    retone(KEYS[2], KEYS[7], KEYS[3], post, L[3], lday, was, tone)
    redis.call('HSET', KEYS[4], 'neg', negFlag, 'pos', posFlag, 'updated', nowS)
  else
    -- Went live before the window: it no longer weighs on the share.
    redis.call('HSET', KEYS[4], 'updated', nowS)
  end
else
  if ledger ~= 0 then uncount(KEYS[1], KEYS[2], KEYS[7], KEYS[3], post, lday, was) end
  local hk
  if pending then
    holdID, hk = pending, KEYS[10]
  else
    holdID, hk = ARGV[18], KEYS[9]
    redis.call('HSET', hk, 'id', holdID, 'post', post, 'status', 'pending', 'created', nowS)
    redis.call('ZADD', KEYS[8], nowS, holdID)
  end
  redis.call('HSET', hk, 'updated', nowS, 'neg', negFlag, 'pos', posFlag, 'bp', fmt(P), 'bn', fmt(N), 'bg', fmt(G), 'es', fmt(es), 'snap', ARGV[19])
  redis.call('HSET', KEYS[4], 'state', 'held', 'neg', negFlag, 'pos', posFlag, 'hold', holdID, 'updated', nowS)
end
redis.call('PEXPIRE', KEYS[4], ARGV[15])

-- The audit entry; its detail is JSON (the webhook id arrives encoded).
local Pa, Na, Ga = P, N, G
if counted and ledger ~= 3 then
  Pa = P + 1
  if isNeg then Na = N + 1 elseif isPos then Ga = G + 1 end
end
local verdict, typ = 'allow', 'check'
if code == 'w' then verdict = 'warn' elseif not counted then verdict, typ = 'hold', 'hold' end
if widJ == '' then widJ = '""' end
local detail = string.format('{"situation":%d,"before":{"published":%d,"negative":%d,"positive":%d},"after":{"published":%d,"negative":%d,"positive":%d},"negative":%s,"positive":%s,"earliest_safe_ms":%d,"webhook_id":%s,"reading":%s}',
  idx, P, N, G, Pa, Na, Ga, isNeg and 'true' or 'false', isPos and 'true' or 'false', es, widJ, ARGV[17])
redis.call('XADD', KEYS[6], '*', 'type', typ, 'at', nowS, 'post', post, 'hold', holdID,
  'actor', ARGV[14], 'decision', verdict, 'detail', detail)

-- The answer for a repeated webhook id: "code,hold id", a newline, the
-- audit detail (situation, counts, earliest safe time), a newline, the snapshot.
if ARGV[11] ~= '' then
  redis.call('SET', KEYS[5], code .. ',' .. holdID .. '\n' .. detail .. '\n' .. ARGV[13], 'PX', ARGV[12])
end

-- Prune what left the window (asked for on a share of checks: members at or
-- before the window's start are never counted, so pruning only bounds memory).
if ARGV[16] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutS)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutS)
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', cutS)
end

return {code, idx, P, N, holdID, es, G}
