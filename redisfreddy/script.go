package redisfreddy

import "github.com/redis/go-redis/v9"

// The two scripts share one prelude: the time (Redis TIME, or ARGV[1] when a
// test sets it), the bucket's hash (KEYS[1]) and save. Fields: lim (the
// limit), len (the window's length), rst (its reset), av (sends left), prv
// (the reset of the window before), prj ("1" while rst is projected), pre
// (sends granted before any window was known). Times are microseconds, stored
// as integers so that both Redis's and gopher-lua's number formatting read
// them back exactly.
const prelude = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local s = redis.call('HMGET', KEYS[1], 'lim', 'len', 'rst', 'av', 'prv', 'prj', 'pre')
local lim, len, rst, av, prv = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), tonumber(s[4]), tonumber(s[5])
if prv == 0 then prv = nil end
local prj, pre = s[6] == '1', tonumber(s[7])
local function int(x) return string.format('%d', math.floor(x)) end
local function save()
  local p = '0'
  if prj then p = '1' end
  local q = prv or 0
  redis.call('HSET', KEYS[1], 'lim', int(lim), 'len', int(len), 'rst', int(rst), 'av', int(av), 'prj', p, 'prv', int(q))
  if pre then redis.call('HDEL', KEYS[1], 'pre') end
  redis.call('PEXPIRE', KEYS[1], int((rst - now + 2 * len) / 1000 + 60000))
end
local function state(first)
  if not rst then return {first} end
  local p = 0
  if prj then p = 1 end
  return {first, math.floor(av), math.floor(rst - now), math.floor(len), math.floor(lim), p}
end
`

// reserveScript books one send (rules 4-6 in doc.go). Its reply's first
// number is 0 when the send may go, or the microseconds until the window
// resets; the rest is the window's state after it (see state in
// redisfreddy.go), absent while no window is known.
var reserveScript = redis.NewScript(prelude + `
if not rst then
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
if not rst then
  lim, len, rst, av = limit, reset, ro, remaining
  if pre then av = math.min(av, limit - pre) end
elseif prv and ro <= prv + len / 2 then
  return state(0)
elseif ro > rst + len / 2 then
  if prj then
    av, len = math.min(av, remaining), math.max(len, reset)
  else
    prv, av, len = rst, remaining, reset
  end
  lim, rst, prj = limit, ro, false
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
