"""The Redis room store's Lua scripts (explorer.classrooms.redis_store runs them): each change to a room is one
script, so atomic; reads are capped scripts. Text only: nothing here talks to Redis."""

# KEYS: 1 room, 2 members, 3 questions, 4 counts, 5 answers, 6 rooms (the sorted set).
# ARGV: 1 now, 2 now - idle, 3 now + idle, 4 code, 5 TTL in ms, then the script's own.
PRELUDE = """
local function alive()
  local r = redis.call('HMGET', KEYS[1], 'teacher', 'seen')
  local teacher, seen = r[1], tonumber(r[2])
  if type(teacher) ~= 'string' or #teacher ~= 64 or not string.match(teacher, '^[0-9a-f]+$') then return nil end
  if not seen or seen ~= seen or seen < tonumber(ARGV[2]) or seen > tonumber(ARGV[3]) then return nil end
  return teacher
end
local function teacher_fails(hash)
  local teacher = alive()
  if not teacher then return 'GONE' end
  if teacher ~= hash then return 'NOT_TEACHER' end
  return nil
end
local function keep()
  redis.call('HSET', KEYS[1], 'seen', ARGV[1])
  redis.call('ZADD', KEYS[6], ARGV[1], ARGV[4])
  for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
end
local function like_room(key)
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
end
-- A per-client counter (KEYS[i]) against its limit: whether it is reached; count() adds one event.
local function reached(i, limit)
  return (tonumber(redis.call('GET', KEYS[i]) or '0') or 0) >= tonumber(limit)
end
local function count(i, window_ms)
  redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], window_ms) end
end
-- Take the answers ("ID:MEMBER" in KEYS[5]) of `members` to the questions `ids` out of their counts (KEYS[4]):
-- a member who lost its seat (removed, or gone and its seat given away) no longer speaks for the class there.
local function withdraw(ids, members)
  for _, id in ipairs(ids) do
    local ok, counts = pcall(cjson.decode, redis.call('HGET', KEYS[4], id) or '')
    local changed = false
    for _, member in ipairs(members) do
      local field = id .. ':' .. member
      local before = tonumber(redis.call('HGET', KEYS[5], field) or '')
      if before then
        redis.call('HDEL', KEYS[5], field)
        if ok and type(counts) == 'table' and before >= 0 and before < #counts and before == math.floor(before)
          and type(counts[before + 1]) == 'number' and counts[before + 1] > 0 then
          counts[before + 1] = counts[before + 1] - 1
          changed = true
        end
      end
    end
    if changed then redis.call('HSET', KEYS[4], id, cjson.encode(counts)) end
  end
end
local function whole(raw)
  local n = tonumber(raw)
  if not n or n < 0 or n ~= math.floor(n) or n > 2^52 then return 0 end
  return n
end
"""

# KEYS 7 the client's creates counter. ARGV 6 token hash, 7 max rooms, 8 key prefix, 9 creates limit,
# 10 its window in ms.
CREATE = """
if reached(7, ARGV[9]) then return {'WAIT'} end
local prefix = ARGV[8]
local function drop(code)
  local room = prefix .. 'room:' .. code
  redis.call('DEL', room, room .. ':members', room .. ':questions', room .. ':counts', room .. ':answers')
  redis.call('ZREM', KEYS[6], code)
end
local kind = redis.call('TYPE', KEYS[6]).ok
if kind ~= 'zset' and kind ~= 'none' then redis.call('DEL', KEYS[6]) end  -- a damaged index: rebuilt as rooms open
for _, code in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', '(' .. ARGV[2])) do drop(code) end
if redis.call('ZCARD', KEYS[6]) >= tonumber(ARGV[7]) then
  for _, code in ipairs(redis.call('ZRANGE', KEYS[6], 0, -1)) do
    if redis.call('EXISTS', prefix .. 'room:' .. code) == 0 then redis.call('ZREM', KEYS[6], code) end
  end
  if redis.call('ZCARD', KEYS[6]) >= tonumber(ARGV[7]) then return {'FULL'} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'TAKEN'} end
count(7, ARGV[10])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], 'teacher', ARGV[6], 'version', '0', 'qlast', '0', 'current', '0')
keep()
return {'OK'}
"""

# ARGV 6 token hash.
END = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('ZREM', KEYS[6], ARGV[4])
return {'OK'}
"""

# ARGV 6 token hash.
TOUCH = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
return {'OK'}
"""

# ARGV 6 token hash, 7 the view's JSON. -> {'OK', version, 1 when this call changed the view else 0}
PUBLISH = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
local version = whole(redis.call('HGET', KEYS[1], 'version'))
if version > 0 and redis.call('HGET', KEYS[1], 'view') == ARGV[7] then return {'OK', version, 0} end
version = version + 1
redis.call('HSET', KEYS[1], 'view', ARGV[7], 'version', string.format('%d', version), 'updated', ARGV[1])
return {'OK', version, 1}
"""

# ARGV 6 token hash, 7 the question's JSON, 8 its counts' JSON (zeros), 9 max questions.
ASK = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
local last = whole(redis.call('HGET', KEYS[1], 'qlast'))
if last >= tonumber(ARGV[9]) then keep() return {'TOO_MANY'} end
local id = string.format('%d', last + 1)
redis.call('HSET', KEYS[3], id, ARGV[7])
redis.call('HSET', KEYS[4], id, ARGV[8])
redis.call('HSET', KEYS[1], 'qlast', id, 'current', id)
keep()
return {'OK', last + 1}
"""

# ARGV 6 token hash, 7 "1" locked or "0".
LOCK = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
redis.call('HSET', KEYS[1], 'locked', ARGV[7])
return {'OK'}
"""

# ARGV 6 token hash, 7 question id.
REVEAL = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
if redis.call('HEXISTS', KEYS[3], ARGV[7]) == 0 then return {'NO_QUESTION'} end
redis.call('HSET', KEYS[4], 'r' .. ARGV[7], '1')
return {'OK'}
"""

# KEYS 7 the client's failed-joins counter, 8 its joins counter. ARGV 6 member, 7 max students, 8 seconds
# after which a silent member gives its place when the class is full, 9 failed-joins limit, 10 its window
# in ms, 11 joins limit, 12 its window in ms.
JOIN = """
if reached(7, ARGV[9]) then return {'WAIT_FAILED'} end
if not alive() then count(7, ARGV[10]) return {'GONE'} end
local old = redis.call('HGET', KEYS[2], ARGV[6])
if old == 'R' then return {'REMOVED'} end
if old then
  local flag = string.sub(old, -1) == '0' and '0' or '1'
  redis.call('HSET', KEYS[2], ARGV[6], ARGV[1] .. ' ' .. flag)
  return {'OK'}
end
if reached(8, ARGV[11]) then return {'WAIT_JOINS'} end
count(8, ARGV[12])
if redis.call('HGET', KEYS[1], 'locked') == '1' then return {'LOCKED'} end
-- The seats are the members' entries less the removed ones ('R' holds no seat, only the refusal). Only when
-- the hash is as long as the class may be is it read whole: members gone too long give their seats, and
-- their answer to the open question (the current one, not revealed) leaves its counts.
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[7]) then
  local all = redis.call('HGETALL', KEYS[2])
  local seats, left = 0, {}
  for i = 1, #all, 2 do
    if all[i + 1] ~= 'R' then
      local seen = tonumber(string.match(all[i + 1], '^(%S+)'))
      if not seen or tonumber(ARGV[1]) - seen > tonumber(ARGV[8]) then
        redis.call('HDEL', KEYS[2], all[i])
        left[#left + 1] = all[i]
      else
        seats = seats + 1
      end
    end
  end
  local current = redis.call('HGET', KEYS[1], 'current')
  if #left > 0 and current and current ~= '0' and redis.call('HEXISTS', KEYS[4], 'r' .. current) == 0 then
    withdraw({current}, left)
  end
  if seats >= tonumber(ARGV[7]) then return {'FULL'} end
end
redis.call('HSET', KEYS[2], ARGV[6], ARGV[1] .. ' 1')
like_room(KEYS[2])
return {'OK'}
"""

# ARGV 6 member, 7 flag (1 following, 0 exploring).
HEARTBEAT = """
local was = redis.call('HGET', KEYS[2], ARGV[6])
if not alive() or not was or was == 'R' then return {'GONE'} end
redis.call('HSET', KEYS[2], ARGV[6], ARGV[1] .. ' ' .. ARGV[7])
local r = redis.call('HMGET', KEYS[1], 'seen', 'locked')
return {'OK', r[1], r[2] or '0'}
"""

# ARGV 6 member, 7 question id, 8 option.
ANSWER = """
local was = redis.call('HGET', KEYS[2], ARGV[6])
if not alive() or not was or was == 'R' then return {'GONE'} end
local current = redis.call('HGET', KEYS[1], 'current')
local revealed = redis.call('HEXISTS', KEYS[4], 'r' .. ARGV[7]) == 1
if ARGV[7] == '0' or current ~= ARGV[7] then return {'CLOSED'} end
if revealed then return {'REVEALED'} end
local ok, counts = pcall(cjson.decode, redis.call('HGET', KEYS[4], ARGV[7]) or '')
if not ok or type(counts) ~= 'table' then return {'CLOSED'} end
for i = 1, #counts do
  local n = counts[i]
  if type(n) ~= 'number' or n < 0 or n ~= math.floor(n) then return {'CLOSED'} end  -- damaged: never counted into
end
local option = tonumber(ARGV[8])
if option < 0 or option >= #counts then return {'BAD'} end
-- One answer per member: a change of mind before the reveal moves its count from the earlier option.
local field = ARGV[7] .. ':' .. ARGV[6]
local before = tonumber(redis.call('HGET', KEYS[5], field) or '')
if before == option then return {'OK'} end
if before and before >= 0 and before < #counts and before == math.floor(before) and counts[before + 1] > 0 then
  counts[before + 1] = counts[before + 1] - 1
end
redis.call('HSET', KEYS[5], field, ARGV[8])
counts[option + 1] = counts[option + 1] + 1
redis.call('HSET', KEYS[4], ARGV[7], cjson.encode(counts))
like_room(KEYS[5])
return {'OK'}
"""

# ARGV 6 token hash, 7 member, 8 max questions: removed ('R' in the members hash: refused by JOIN, HEARTBEAT
# and ANSWER, and no seat), its answers to every question taken out of their counts (a damaged 'qlast' reads
# at most the questions a room may hold).
REMOVE = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
redis.call('HSET', KEYS[2], ARGV[7], 'R')
local ids = {}
local last = math.min(whole(redis.call('HGET', KEYS[1], 'qlast')), tonumber(ARGV[8]))
for id = 1, last do ids[id] = string.format('%d', id) end
withdraw(ids, {ARGV[7]})
like_room(KEYS[2])
return {'OK'}
"""

# ARGV 6 token hash, 7 question id: its counts zeroed, its answers forgotten, open again.
CLEAR = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
local ok, counts = pcall(cjson.decode, redis.call('HGET', KEYS[4], ARGV[7]) or '')
if not ok or type(counts) ~= 'table' then return {'NONE'} end
local zeros = {}
for i = 1, #counts do zeros[i] = 0 end
redis.call('HSET', KEYS[4], ARGV[7], #zeros > 0 and cjson.encode(zeros) or '[]')
redis.call('HDEL', KEYS[4], 'r' .. ARGV[7])
local head = ARGV[7] .. ':'
local cursor = '0'
repeat
  local page = redis.call('HSCAN', KEYS[5], cursor, 'MATCH', head .. '*', 'COUNT', 1000)
  cursor = page[1]
  for i = 1, #page[2], 2 do redis.call('HDEL', KEYS[5], page[2][i]) end
until cursor == '0'
return {'OK'}
"""

# Reads, capped: a value longer than the cap reads as '', a hash of more than ARGV[1] fields as 0.
CAPPED = """
local function capped(values, limit)
  for i, v in ipairs(values) do
    if type(v) == 'string' and #v > limit then values[i] = '' end
  end
  return values
end
"""

# KEYS 1 room, 2.. hashes read whole. ARGV 1 max fields, 2 max length, 3 n, 4..3+n the room's fields.
READ = """
local limit = tonumber(ARGV[2])
local fields = {}
for i = 1, tonumber(ARGV[3]) do fields[i] = ARGV[3 + i] end
local out = {capped(redis.call('HMGET', KEYS[1], unpack(fields)), limit)}
for i = 2, #KEYS do
  if redis.call('HLEN', KEYS[i]) > tonumber(ARGV[1]) then out[i] = 0
  else out[i] = capped(redis.call('HGETALL', KEYS[i]), limit) end
end
return out
"""

# KEYS 1 room, 2 a hash. ARGV 1 max length, 2 the hash's field. -> {teacher, seen, value}
READ_FIELD = """
local r = redis.call('HMGET', KEYS[1], 'teacher', 'seen')
return capped({r[1], r[2], redis.call('HGET', KEYS[2], ARGV[2])}, tonumber(ARGV[1]))
"""

# KEYS 1 room, 2 questions, 3 counts. ARGV 1 max length. -> {teacher, seen, current, question, counts, revealed}
CURRENT = """
local r = redis.call('HMGET', KEYS[1], 'teacher', 'seen', 'current')
local id = r[3]
if type(id) ~= 'string' or #id > 20 then return capped({r[1], r[2]}, tonumber(ARGV[1])) end
local question = redis.call('HGET', KEYS[2], id)
local counts = redis.call('HMGET', KEYS[3], id, 'r' .. id)
return capped({r[1], r[2], id, question, counts[1], counts[2]}, tonumber(ARGV[1]))
"""
