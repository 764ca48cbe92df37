-- check: decide one post atomically and record the result.
-- KEYS: 1 win, 2 neg, 3 daily, 4 post ledger, 5 webhook record, 6 audit, 7 pos;
--       and, once asked for them (GKNEED), 8 holds, 9 the new hold,
--       10 the post's pending hold (if known)
-- ARGV: 1 post, 2 now (ms), 3 '(' and the window's start (ms: now - window),
--       4 day, 5 plan codes, 6 tone (n negative, p positive, u neutral),
--       7 numbers, little-endian (struct '<i4i4i8BBB'): limit, warn_at,
--       min_sample, dry run, prune, a webhook id (0/1 each),
--       8 the audit detail's tail (tone flags, webhook id, reading, closing
--       brace: JSON made by the caller), 9 snapshot (kept for replays),
--       10 actor, 11 ledger ttl (ms);
--       with the hold keys: 12 new hold id, 13 hold snapshot,
--       14 the pending hold id KEYS[10] belongs to
-- Returns {code, hold id, the audit detail (situation, counts before and
-- after, earliest safe time, as formatted below)}; a dry run
-- returns {code, index, P, N, hold id, earliest safe (-1 none), positive};
-- a repeated webhook id {'r', record}.
--
-- The common path (a new post that is counted) is kept short: no hold keys,
-- no hold snapshot (the post's full text), ten commands, eleven arguments
-- (numbers that are only compared arrive packed, so no string is made or
-- parsed for them), one string.format. A check that must touch a hold (the
-- verdict is hold, or the post has a pending hold) answers GKNEED having
-- written nothing, and is called again with the hold keys and the hold
-- snapshot.
local post, nowS, lo, day, plan = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local tone = ARGV[6]
local limit, warn, minSample, dryB, pruneB, webhookB = struct.unpack('<i4i4i8BBB', ARGV[7])
local dry, hasWebhook = dryB == 1, webhookB == 1
local isNeg, isPos = tone == 'n', tone == 'p'
local negFlag, posFlag = flags(tone)
local full = KEYS[10] ~= nil

-- A repeated webhook id gets the first answer and changes nothing.
if hasWebhook then
  local rec = redis.call('GET', KEYS[5])
  if rec then return {'r', rec} end
end

-- What the ledger knows: policy.Ledger.
local L = ledger(KEYS[4])
local state, wasNeg, lday = L.state, L.neg == '1', L.day
local was = toneOf(L.neg, L.pos)

local pending = nil
if state == 'held' and L.hold and L.hold ~= '' then pending = L.hold end
if pending and not dry and ARGV[14] ~= pending then return need({pending}) end
local at, cutoff, window = 0, 0, 0
local ledgerState = 0
if state == 'counted' then
  at, cutoff = tonumber(L.at), tonumber(string.sub(lo, 2))
  if at > cutoff then
    if wasNeg then ledgerState = 2 else ledgerState = 1 end
  else
    ledgerState = 3
  end
end

-- The window's counts, excluding the post.
local P = redis.call('ZCOUNT', KEYS[1], lo, '+inf')
local N = redis.call('ZCOUNT', KEYS[2], lo, '+inf')
local G = redis.call('ZCOUNT', KEYS[7], lo, '+inf')
if ledgerState == 1 then P = P - 1 elseif ledgerState == 2 then P = P - 1; N = N - 1 end
if ledgerState == 1 and was == 'p' then G = G - 1 end

local idx = ledgerState * 8 + bits(P, N, limit, warn, minSample)
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
  local postIn = ledgerState == 1 or ledgerState == 2
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
  cutoff = tonumber(string.sub(lo, 2))
  window = tonumber(nowS) - cutoff
  es = earliest()
end

if dry then
  return {code, idx, P, N, pending or '', es, G}
end

local holdID = ''
local ttl = ARGV[11]
if counted then
  if ledgerState == 0 then
    count(KEYS[1], KEYS[2], KEYS[7], KEYS[3], post, nowS, day, tone)
    putLedger(KEYS[4], 'counted', negFlag, posFlag, nowS, day, '', nowS, ttl)
    if pending then cancelHold(KEYS[10], nowS, 'rechecked') end
  elseif ledgerState == 1 or ledgerState == 2 then
    -- An edit that changed the tone: the counts move on the post's go-live day.
    retone(KEYS[2], KEYS[7], KEYS[3], post, L.at, lday, was, tone)
    putLedger(KEYS[4], 'counted', negFlag, posFlag, L.at, lday, L.hold, nowS, ttl)
  else
    -- Went live before the window: it no longer weighs on the share.
    putLedger(KEYS[4], state, L.neg, L.pos, L.at, lday, L.hold, nowS, ttl)
  end
else
  if ledgerState ~= 0 then uncount(KEYS[1], KEYS[2], KEYS[7], KEYS[3], post, lday, wasNeg) end
  local hk
  if pending then
    holdID, hk = pending, KEYS[10]
  else
    holdID, hk = ARGV[12], KEYS[9]
    redis.call('HSET', hk, 'id', holdID, 'post', post, 'status', 'pending', 'created', nowS)
    redis.call('ZADD', KEYS[8], nowS, holdID)
  end
  redis.call('HSET', hk, 'updated', nowS, 'neg', negFlag, 'pos', posFlag, 'bp', fmt(P), 'bn', fmt(N), 'bg', fmt(G), 'es', fmt(es), 'snap', ARGV[13])
  putLedger(KEYS[4], 'held', negFlag, posFlag, L.at or '', lday or '', holdID, nowS, ttl)
end

-- The audit entry; its detail is JSON, its tail (the tone, the webhook id,
-- the reading) made by the caller.
local Pa, Na, Ga = P, N, G
if counted and ledgerState ~= 3 then
  Pa = P + 1
  if isNeg then Na = N + 1 elseif isPos then Ga = G + 1 end
end
local verdict, typ = 'allow', 'check'
if code == 'w' then verdict = 'warn' elseif not counted then verdict, typ = 'hold', 'hold' end
local detail = string.format('{"situation":%d,"before":{"published":%d,"negative":%d,"positive":%d},"after":{"published":%d,"negative":%d,"positive":%d},"earliest_safe_ms":%d,%s',
  idx, P, N, G, Pa, Na, Ga, es, ARGV[8])
redis.call('XADD', KEYS[6], '*', 'type', typ, 'at', nowS, 'post', post, 'hold', holdID,
  'actor', ARGV[10], 'decision', verdict, 'detail', detail)

-- The answer for a repeated webhook id: "code,hold id", a newline, the
-- audit detail, a newline, the snapshot.
if hasWebhook then
  redis.call('SET', KEYS[5], code .. ',' .. holdID .. '\n' .. detail .. '\n' .. ARGV[9], 'PX', WEBHOOK_TTL_MS)
end

-- Prune what left the window (asked for on a share of checks: members at or
-- before the window's start are never counted, so pruning only bounds memory).
if pruneB == 1 then
  local cutS = string.sub(lo, 2)
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutS)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutS)
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', cutS)
end

return {code, holdID, detail}
