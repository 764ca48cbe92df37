-- check: decide one post atomically and record the result.
-- KEYS: 1 the outlet's key prefix ({o:ID}:, keysOf). The script makes the
--       outlet's keys from it (KEY_WIN …: the names keys.go gives them);
--       they share its hash tag, so its slot, which is what Redis Cluster
--       asks of the keys a script touches. 2 a key in that slot it never
--       touches (keys.migrationGuard): with two declared keys missing, a
--       master importing the slot refuses the call (TRYAGAIN) rather than
--       run it on the keys moved so far.
-- ARGV: 1 post, 2 now (ms), 3 '(' and the window's start (ms: now - window),
--       4 day, 5 numbers, little-endian (struct '<i4i4i8BBBB'): limit,
--       warn_at, min_sample, dry run, prune, a webhook id (0/1 each), the
--       tone (the byte n negative, p positive, u neutral), then the plan's
--       codes (policy.Plan.Codes), one byte per situation,
--       6 the audit detail's tail (tone flags, webhook id, reading, closing
--       brace: JSON made by the caller), 7 snapshot (kept for replays),
--       8 actor, 9 ledger ttl (ms), 10 the claim record ('' none),
--       11 the webhook id ('' none);
--       once asked for them (GKNEED): 12 new hold id, 13 hold snapshot,
--       14 the pending hold id the script named
-- Returns {code, hold id, the counts (situation, counts before, earliest
-- safe time and tone, as formatted below)}; a dry run
-- returns {code, index, P, N, hold id, earliest safe (-1 none), positive};
-- a repeated webhook id {'r', code, hold id, counts, snapshot} (a record of
-- an earlier version: {'r', record}); an id another request claimed (the
-- claim key holds a claim other than ARGV[10]) {'u'}, having written
-- nothing.
--
-- The common path (a new post that is counted) is kept short: no hold
-- snapshot (the post's full text), eleven commands, eleven arguments and
-- one key (each argument costs Redis an object and Lua a string; numbers
-- that are only compared arrive packed, so no string is made or parsed for
-- them), one short string.format, and no long string made in Lua (each
-- costs a hash of all its bytes: the arguments are stored as they came).
-- A check that must touch a hold (the verdict is hold, or the post has a
-- pending hold) answers GKNEED having written nothing, and is called again
-- with the hold ids and the hold snapshot.
local K, post, nowS, lo, day, nums = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local limit, warn, minSample, dryB, pruneB, webhookB, toneB = struct.unpack('<i4i4i8BBBB', nums)
-- string.byte(nums, planAt + i) is the plan's code (a byte) for situation
-- index i.
local planAt = 21
local A, W, H, HH = 97, 119, 104, 72 -- 'a', 'w', 'h', 'H'
local tone = 'u'
if toneB == 110 then tone = 'n' elseif toneB == 112 then tone = 'p' end
local dry, hasWebhook = dryB == 1, webhookB == 1
local negFlag, posFlag = flags(tone)
local full = ARGV[12] ~= nil
local claim, webhookID = ARGV[10], ARGV[11]
local ks = outletKeys(K)
local kWin, kNeg, kPos = ks.win, ks.neg, ks.pos
local kLedger = K .. KEY_POST_ .. post

-- A repeated webhook id gets the first answer and changes nothing; an id
-- another request claimed is refused. (A claim equal to this one is a dry
-- run of the same request: the id stays this check's.)
-- (recorded, lua/common.lua, reads a record of either form.)
local kRecord, replaceClaim = nil, false
if hasWebhook then
  if claim ~= '' then
    -- The claim key holds the claim alone, or a check's record (one key per
    -- checked id): this version's list, or an earlier version's string, the
    -- claim, a newline and the record.
    local kReply = K .. KEY_REPLY_ .. webhookID
    kRecord = kReply
    local got = redis.pcall('GET', kReply)
    if type(got) == 'table' then
      local rec, owner = recorded(kReply)
      if owner ~= claim then return {'u'} end
      return rec
    elseif got then
      local nl = string.find(got, '\n', 1, true)
      if nl then
        if string.sub(got, 1, nl - 1) ~= claim then return {'u'} end
        return {'r', string.sub(got, nl + 1)}
      end
      if got ~= claim then return {'u'} end
      -- This check's claim alone: its dry run, or a check recorded by an
      -- earlier version, which kept the record under keys.webhook. The
      -- claim is replaced by the record (below).
      local rec = recorded(K .. KEY_WEBHOOK_ .. webhookID)
      if rec then return rec end
      replaceClaim = true
    end
  else
    kRecord = K .. KEY_WEBHOOK_ .. webhookID
    local rec = recorded(kRecord)
    if rec then return rec end
  end
end

-- What the ledger knows: policy.Ledger.
local L = ledger(kLedger)
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
local P = redis.call('ZCOUNT', kWin, lo, '+inf')
local N = redis.call('ZCOUNT', kNeg, lo, '+inf')
local G = redis.call('ZCOUNT', kPos, lo, '+inf')
if ledgerState == 1 then P = P - 1 elseif ledgerState == 2 then P = P - 1; N = N - 1 end
if ledgerState == 1 and was == 'p' then G = G - 1 end

local idx = ledgerState * 8 + bits(P, N, limit, warn, minSample)
local codeB = string.byte(nums, planAt + idx)
local counted = codeB == A or codeB == W
local code = 'a'
if codeB == W then code = 'w' elseif codeB == H then code = 'h' elseif codeB == HH then code = 'H' end
if not counted and not dry and not full then return need({}) end

local es = -1
if codeB == H then
  -- Earliest safe time: what policy.EarliestSafe finds, the first moment at
  -- which a new post (ledger: not counted) would no longer be held if the
  -- window's posts left one go-live millisecond after another, the post itself
  -- left out throughout. The plan holds a new post exactly while the share is
  -- over the limit and the sample is not small (policy.Plan.HoldsOverLimitOnly,
  -- checked below), so only two kinds of moment can lift the hold:
  --   * the sample turning small, when the k = P-min_sample+1 oldest posts have
  --     left: the k-th oldest post's go-live time, one ZRANGE by rank;
  --   * the share falling below the limit, which only a negative post leaving
  --     can do: the negative posts are visited from the c-th on, where
  --     c·(10000-L) ≥ 10000·(N+1) - L·(P+1), and after a visit that found the
  --     share still over (e posts gone, c of them negative) from the c'-th on,
  --     c'·(10000-L) ≥ 10000·(N+1) - L·(P+1-e+c); each visit is one ZCOUNT,
  --     the negative posts read by rank in pages.
  -- The earlier of the two is the answer; the walk stops at the first.
  -- (Made here, not above: a closure is made anew on every call that
  -- passes its definition.)
  local function earliest()
    for b = 0, 7 do
      local c = string.byte(nums, planAt + b)
      if (c == H or c == HH) ~= (b % 2 == 1 and b < 4) then return nil end
    end
    if P == 0 then return -1 end
    local cutS = string.sub(lo, 2)
    local postIn, postNeg = ledgerState == 1 or ledgerState == 2, ledgerState == 2
    local best = nil
    if minSample > 0 then
      local k = P - minSample + 1
      if k < 1 then k = 1 end
      if k <= P then
        -- the k-th oldest post of the window (rank from 0, the post skipped)
        local r = redis.call('ZCOUNT', kWin, '-inf', cutS) + k - 1
        if postIn and redis.call('ZRANK', kWin, post) <= r then r = r + 1 end
        best = tonumber(redis.call('ZRANGE', kWin, r, r, 'WITHSCORES')[2])
      end
    end
    local full = 10000
    local function nextNeg(gone, negGone)
      local c = negGone + 1
      if limit < full then
        local need = math.ceil((full * (N + 1) - limit * (P + 1 - gone + negGone)) / (full - limit))
        if need > c then c = need end
      end
      return c
    end
    -- The window's negative posts by rank (from 0, the post skipped), in pages.
    local negRank0 = redis.call('ZCOUNT', kNeg, '-inf', cutS)
    local postNegRank = nil
    if postNeg then postNegRank = redis.call('ZRANK', kNeg, post) end
    local page, pageAt = {}, -1
    local function negRank(j) -- rank in neg of the j-th (from 1) negative post of the window
      local r = negRank0 + j - 1
      if postNegRank and postNegRank <= r then r = r + 1 end
      return r
    end
    local function score(r) -- the score of rank r in neg, as Redis wrote it
      if pageAt < 0 or r < pageAt or r >= pageAt + #page / 2 then
        page, pageAt = redis.call('ZRANGE', kNeg, r, r + 127, 'WITHSCORES'), r
      end
      return page[2 * (r - pageAt) + 2]
    end
    local j = nextNeg(0, 0)
    while j <= N do
      local r = negRank(j)
      local tS = score(r)
      local t = tonumber(tS)
      if best and t >= best then break end
      -- Negative posts gone once the group at t has left: the j-1 before, the
      -- j-th, and those after it at the same millisecond.
      local negGone = j
      while negGone < N do
        local r2 = negRank(negGone + 1)
        if score(r2) ~= tS then break end
        negGone = negGone + 1
      end
      local gone = redis.call('ZCOUNT', kWin, lo, tS)
      if postIn and at <= t then gone = gone - 1 end
      local i = bits(P - gone, N - negGone, limit, warn, minSample)
      local c = string.byte(nums, planAt + i)
      if c ~= H and c ~= HH then return t + window end
      j = nextNeg(gone, negGone)
    end
    if best then return best + window end
    return -1
  end
  cutoff = tonumber(string.sub(lo, 2))
  window = tonumber(nowS) - cutoff
  es = earliest()
  if not es then return redis.error_reply('GKPLAN the plan holds a new post otherwise than over the limit') end
end

if dry then
  return {code, idx, P, N, pending or '', es, G}
end

local holdID = ''
local ttl = ARGV[9]
local kDaily = ks.daily
if counted then
  if ledgerState == 0 then
    count(kWin, kNeg, kPos, kDaily, post, nowS, day, tone)
    putLedger(kLedger, 'counted', negFlag, posFlag, nowS, day, '', nowS, ttl)
    if pending then cancelHold(K .. KEY_HOLD_ .. pending, nowS, 'rechecked') end
  elseif ledgerState == 1 or ledgerState == 2 then
    -- An edit that changed the tone: the counts move on the post's go-live day.
    retone(kNeg, kPos, kDaily, post, L.at, lday, was, tone)
    putLedger(kLedger, 'counted', negFlag, posFlag, L.at, lday, L.hold, nowS, ttl)
  else
    -- Went live before the window: it no longer weighs on the share.
    putLedger(kLedger, state, L.neg, L.pos, L.at, lday, L.hold, nowS, ttl)
  end
else
  if ledgerState ~= 0 then uncount(kWin, kNeg, kPos, kDaily, post, lday, was) end
  holdID = pending or ARGV[12]
  local hk = K .. KEY_HOLD_ .. holdID
  if not pending then
    redis.call('HSET', hk, 'id', holdID, 'post', post, 'status', 'pending', 'created', nowS)
    redis.call('ZADD', K .. KEY_HOLDS, nowS, holdID)
  end
  redis.call('HSET', hk, 'updated', nowS, 'neg', negFlag, 'pos', posFlag, 'bp', fmt(P), 'bn', fmt(N), 'bg', fmt(G), 'es', fmt(es), 'snap', ARGV[13])
  putLedger(kLedger, 'held', negFlag, posFlag, L.at or '', lday or '', holdID, nowS, ttl)
end

-- The counts: "situation,P,N,G,earliest safe,tone" (P, N, G before the
-- post; the tone n, p or u). The caller works the counts after out of them
-- and the verdict (redisstore.afterCounts).
local verdict, typ = 'allow', 'check'
if code == 'w' then verdict = 'warn' elseif not counted then verdict, typ = 'hold', 'hold' end
local counts = string.format('%d,%d,%d,%d,%d,%s', idx, P, N, G, es, tone)
-- The audit entry: its detail is the counts and the tail the caller made
-- (the tone, the webhook id, the reading), which the reader joins into the
-- JSON detail (redisstore.checkDetail).
redis.call('XADD', ks.audit, '*', 'type', typ, 'at', nowS, 'post', post, 'hold', holdID,
  'actor', ARGV[8], 'decision', verdict, 'counts', counts, 'tail', ARGV[6])

-- The answer for a repeated webhook id (the record): a list {claim, code,
-- hold id, counts, snapshot}, the strings stored as they are (a string
-- made of them in Lua would cost a hash of its every byte, 9% of a check).
-- With a claim it is kept under the claim key: one key makes the id this
-- check's on every other route (Claim and Recall read the claim, the
-- list's first element) and keeps its answer, under the same WAIT as the
-- rest. Without a claim ('' first) it goes under keys.webhook and the id
-- stays free elsewhere.
if hasWebhook then
  if replaceClaim then redis.call('DEL', kRecord) end
  redis.call('RPUSH', kRecord, claim, code, holdID, counts, ARGV[7])
  redis.call('PEXPIRE', kRecord, WEBHOOK_TTL_MS)
end

-- Prune what left the window (asked for on a share of checks: members at or
-- before the window's start are never counted, so pruning only bounds memory).
-- The sets' marker (score -1, redisstore.WindowMarker) stays.
if pruneB == 1 then
  local cutS = string.sub(lo, 2)
  redis.call('ZREMRANGEBYSCORE', kWin, '(-1', cutS)
  redis.call('ZREMRANGEBYSCORE', kNeg, '(-1', cutS)
  redis.call('ZREMRANGEBYSCORE', kPos, '(-1', cutS)
end

return {code, holdID, counts}
