package redisfreddy

import "github.com/redis/go-redis/v9"

// The two scripts share one prelude: the time (Redis TIME, or ARGV[1] when a
// test sets it), the bucket's hash (KEYS[1]) and save. Fields: lim (the
// limit), len (the window's length), rst (its reset), av (sends left), prv
// (the reset of the window before), prj ("1" while rst is projected), pre
// (sends granted before any window was known), lrn (while no window is
// known, when the attempt out to learn it stops holding the others back). Times are microseconds, stored
// as integers so that both Redis's and gopher-lua's number formatting read
// them back exactly. A hash that fails valid (doc.go, "A hash the rules did
// not write") is deleted before either script reads it: the one place a
// hash is judged.
const prelude = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local s = redis.pcall('HMGET', KEYS[1], 'lim', 'len', 'rst', 'av', 'prv', 'prj', 'pre', 'lrn')
local lim, len, rst, av, prv, prj, pre, lrn
if not s.err then
  lim, len, rst, av, prv = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), tonumber(s[4]), tonumber(s[5])
  if prv == 0 then prv = nil end
  prj, pre, lrn = s[6] == '1', tonumber(s[7]), tonumber(s[8])
end
-- A whole number a double holds exactly.
local function whole(x) return x ~= nil and x == math.floor(x) and x > -2^53 and x < 2^53 end
-- The one rule of a hash (doc.go, "A hash the rules did not write"): it
-- holds a window these scripts could have written, or none.
local function valid()
  if s.err then return false end
  if s[7] and not (whole(pre) and pre >= 0) then return false end
  if s[8] and not (whole(lrn) and lrn - now <= 1000000) then return false end
  if not (s[1] or s[2] or s[3] or s[4] or s[5] or s[6]) then return true end
  return whole(lim) and whole(len) and whole(rst) and whole(av) and (not s[5] or whole(tonumber(s[5])))
    and (s[6] == '0' or s[6] == '1') and lim >= 1 and av >= 0 and av <= lim
    and len > 0 and len <= 3600000000 and rst - now <= len + math.min(1000000, len / 2)
    and (not prv or prv <= rst)
end
if not valid() then
  redis.call('DEL', KEYS[1])
  lim, len, rst, av, prv, prj, pre, lrn = nil, nil, nil, nil, nil, false, nil, nil
end
local function int(x) return string.format('%d', math.floor(x)) end
local function save()
  local p = '0'
  if prj then p = '1' end
  local q = prv or 0
  av = math.max(0, math.min(av, lim))
  redis.call('HSET', KEYS[1], 'lim', int(lim), 'len', int(len), 'rst', int(rst), 'av', int(av), 'prj', p, 'prv', int(q))
  if pre or lrn then redis.call('HDEL', KEYS[1], 'pre', 'lrn') end
  redis.call('PEXPIRE', KEYS[1], int((rst - now + 2 * len) / 1000 + 60000))
end
local function state(first)
  if not rst then return {first} end
  local p = 0
  if prj then p = 1 end
  return {first, math.floor(av), math.floor(rst - now), math.floor(len), math.floor(lim), p}
end
`

// reserveScript books one send (rules 4-6 in doc.go; rule 6's learning
// attempt holds the others for 20ms at a time, so that they ask again soon
// after its response). Its reply's first
// number is 0 when the send may go, or the microseconds until the window
// resets; the rest is the window's state after it (see state in
// redisfreddy.go), absent while no window is known.
var reserveScript = redis.NewScript(prelude + `
if not rst then
  if lrn and now < lrn then return state(math.min(lrn - now, 20000)) end
  if not lrn then redis.call('HSET', KEYS[1], 'lrn', int(now + 1000000)) end
  redis.call('HINCRBY', KEYS[1], 'pre', 1)
  redis.call('PEXPIRE', KEYS[1], 5000)
  return state(0)
end
if now >= rst then
  if not prj then prv = rst end
  rst, av, prj = now + len, lim - 1, true
  save()
  return state(0)
end
if av < 1 then return state(rst - now) end
-- Only the count changes: the window, and so the expiry, stay.
av = redis.call('HINCRBY', KEYS[1], 'av', -1)
return state(0)
`)

// observeScript merges what one response said (rules 1-3 in doc.go):
// ARGV[2] the limit, ARGV[3] the remaining count, ARGV[4] the microseconds
// from the response to the reset. Its reply's first number is 1 when the
// observation changed the account, 0 when it was from a window that has
// ended; the rest is the window's state after it.
var observeScript = redis.NewScript(prelude + `
local limit, remaining, reset = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ro = now + reset
local tol
if len then tol = math.min(1000000, len / 2) end
if not rst then
  lim, len, rst, av = limit, reset, ro, remaining
  if pre then av = math.min(av, limit - pre) end
elseif prv and math.abs(ro - prv) <= tol then
  return state(0)
elseif ro > rst + len / 2 then
  if prj then
    av, len = math.min(av, remaining), math.max(len, reset)
  else
    prv, av, len = rst, remaining, reset
  end
  lim, rst, prj = limit, ro, false
elseif ro < rst - tol then
  -- The server correcting the window held: the window it reports, its
  -- length forgotten; the sends granted in a projection are in it.
  if prj then av = math.min(av, remaining) else av = remaining end
  if prv and prv >= ro then prv = nil end
  lim, len, rst, prj = limit, reset, ro, false
elseif now >= rst then
  return state(0)
else
  lim, av, len = limit, math.min(av, remaining), math.max(len, reset)
  if prj then rst = ro else rst = math.min(rst, ro) end
  prj = false
end
av = math.max(av, 0)
save()
return state(1)
`)
