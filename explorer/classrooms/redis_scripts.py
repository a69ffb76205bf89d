"""The Redis room store's Lua scripts (explorer.classrooms.redis_store runs them): each change to a room is one
script, so atomic; reads are capped scripts. Text only: nothing here talks to Redis."""

# KEYS: 1 room, 2 members, 3 questions, 4 counts, 5 answers, 6 rooms (the sorted set), 7 waiting.
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
  for _, i in ipairs({1, 2, 3, 4, 5, 7}) do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
end
local function like_room(key)
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
end
-- A limit's counter (the key `key`, or KEYS[i]) against its limit: whether it is reached; count() adds one event.
local function reached_key(key, limit)
  return (tonumber(redis.call('GET', key) or '0') or 0) >= tonumber(limit)
end
local function count_key(key, window_ms)
  redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window_ms) end
end
local function reached(i, limit) return reached_key(KEYS[i], limit) end
local function count(i, window_ms) count_key(KEYS[i], window_ms) end
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
-- The seats the teacher allows: the room's 'cap' (0 or missing: the server's max), at most max.
local function cap_of(max)
  local cap = whole(redis.call('HGET', KEYS[1], 'cap'))
  if cap < 1 or cap > tonumber(max) then return tonumber(max) end
  return cap
end
-- Members not seen since `horizon` lose their seat ('L': gone, may come back freely; no seat), and their answer
-- to the open question (current, not revealed) leaves its counts; waiting newcomers not seen since then leave
-- the waiting room. -> seats held, newcomers waiting, of them admitted (their seat kept for their next join).
local function prune(horizon)
  local all = redis.call('HGETALL', KEYS[2])
  local seats, left = 0, {}
  for i = 1, #all, 2 do
    local v = all[i + 1]
    if v ~= 'R' and v ~= 'L' then
      local seen = tonumber(string.match(v, '^(%S+)'))
      if not seen or seen < horizon then
        redis.call('HSET', KEYS[2], all[i], 'L')
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
  local waiting = redis.call('HGETALL', KEYS[7])
  local waits, admitted = 0, 0
  for i = 1, #waiting, 2 do
    local seen = tonumber(string.match(waiting[i + 1], '(%S+)$'))
    if not seen or seen < horizon then
      redis.call('HDEL', KEYS[7], waiting[i])
    else
      waits = waits + 1
      if string.sub(waiting[i + 1], 1, 2) == 'A ' then admitted = admitted + 1 end
    end
  end
  return seats, waits, admitted
end
-- prune at most once a second (the room's 'pruned' time), for the teacher's frequent calls.
local function prune_often(horizon)
  local last = tonumber(redis.call('HGET', KEYS[1], 'pruned') or '') or 0
  if tonumber(ARGV[1]) - last < 1 then return end
  redis.call('HSET', KEYS[1], 'pruned', ARGV[1])
  prune(horizon)
end
"""

# KEYS 8 the client's creates counter. ARGV 6 token hash, 7 max rooms, 8 key prefix, 9 creates limit,
# 10 its window in ms, 11 the teacher who starts it ('' for none: its newcomers count per class only).
CREATE = """
if reached(8, ARGV[9]) then return {'WAIT'} end
local prefix = ARGV[8]
local function drop(code)
  local room = prefix .. 'room:' .. code
  redis.call('DEL', room, room .. ':members', room .. ':questions', room .. ':counts', room .. ':answers',
    room .. ':waiting')
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
count(8, ARGV[10])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[7])
redis.call('HSET', KEYS[1], 'teacher', ARGV[6], 'version', '0', 'qlast', '0', 'current', '0')
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'owner', ARGV[11]) end
keep()
return {'OK'}
"""

# ARGV 6 token hash.
END = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[7])
redis.call('ZREM', KEYS[6], ARGV[4])
return {'OK'}
"""

# ARGV 6 token hash, 7 seconds after which an unseen member loses its seat.
TOUCH = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
prune_often(tonumber(ARGV[1]) - tonumber(ARGV[7]))
return {'OK'}
"""

# ARGV 6 token hash, 7 seconds after which an unseen member loses its seat, 8 max students.
# -> {'OK', approval '1'/'0', cap, seats, waiting, admitted}
ADMISSION = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
local seats, waits, admitted = prune(tonumber(ARGV[1]) - tonumber(ARGV[7]))
local approval = redis.call('HGET', KEYS[1], 'approval') == '1' and '1' or '0'
return {'OK', approval, cap_of(ARGV[8]), seats, waits, admitted}
"""

# ARGV 6 token hash, 7 approval '1'/'0', 8 cap.
SET_ADMISSION = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
redis.call('HSET', KEYS[1], 'approval', ARGV[7], 'cap', ARGV[8])
return {'OK'}
"""

# ARGV 6 token hash, 7 seconds after which an unseen newcomer leaves, 8 max fields. -> {'OK', member, seen, ...}
# (waiting, not admitted yet)
WAITING = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
prune(tonumber(ARGV[1]) - tonumber(ARGV[7]))
if redis.call('HLEN', KEYS[7]) > tonumber(ARGV[8]) then return {'OK'} end
local out = {'OK'}
local all = redis.call('HGETALL', KEYS[7])
for i = 1, #all, 2 do
  if string.sub(all[i + 1], 1, 2) ~= 'A ' then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
return out
"""

# ARGV 6 token hash, 7 seconds after which an unseen member loses its seat, 8 max students, 9.. members to
# admit, in order. -> {'OK', how many were admitted}
ADMIT = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
local seats, waits, admitted = prune(tonumber(ARGV[1]) - tonumber(ARGV[7]))
local free = cap_of(ARGV[8]) - seats - admitted
local done = 0
for i = 9, #ARGV do
  if free <= 0 then break end
  local w = redis.call('HGET', KEYS[7], ARGV[i])
  if w and string.sub(w, 1, 2) ~= 'A ' then
    redis.call('HSET', KEYS[7], ARGV[i], 'A ' .. w)
    free, done = free - 1, done + 1
  end
end
return {'OK', done}
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

# ARGV 6 token hash, 7 the question's JSON, 8 its counts' JSON (zeros), 9 max questions, 10 the id the asker saw as
# current ('': ask regardless). -> {'OK', id}, {'MOVED', the current id} (asked already), {'TOO_MANY'}.
ASK = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
local current = whole(redis.call('HGET', KEYS[1], 'current'))
if ARGV[10] ~= '' and current ~= tonumber(ARGV[10]) then keep() return {'MOVED', current} end
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

# KEYS 8 the client's failed-joins counter, 9 the class's joins counter. ARGV 6 member, 7 max students, 8 seconds
# after which an unseen member loses its seat, 9 failed-joins limit, 10 its window in ms, 11 joins limit, 12 its
# window in ms, 13 the session's own wrong codes (strikes), 14 max waiting, 15 the limit of newcomers to the classes
# of the room's teacher ('owner'), 16 its window in ms, 17 its counters' name before the teacher, 18 its window's
# index (the counter is named here: the owner is read in the script).
JOIN = """
if tonumber(ARGV[13]) > 0 and reached(8, ARGV[9]) then return {'WAIT_FAILED'} end
if not alive() then count(8, ARGV[10]) return {'GONE'} end
local old = redis.call('HGET', KEYS[2], ARGV[6])
if old == 'R' then return {'REMOVED'} end
if old and old ~= 'L' then
  local flag = string.sub(old, -1) == '0' and '0' or '1'
  redis.call('HSET', KEYS[2], ARGV[6], ARGV[1] .. ' ' .. flag)
  return {'OK'}
end
local horizon = tonumber(ARGV[1]) - tonumber(ARGV[8])
local cap = cap_of(ARGV[7])
-- Seats held and kept for admitted newcomers: the hashes' lengths bound them; only a class near its cap is
-- read whole (and pruned).
local function taken()
  if redis.call('HLEN', KEYS[2]) + redis.call('HLEN', KEYS[7]) < cap then return 0, 0 end
  local seats, _, admitted = prune(horizon)
  return seats, admitted
end
local function seat()
  redis.call('HSET', KEYS[2], ARGV[6], ARGV[1] .. ' 1')
  like_room(KEYS[2])
  return {'OK'}
end
if old == 'L' then  -- it lost its seat while away: back without approval, if the cap allows
  local seats, admitted = taken()
  if seats + admitted >= cap then return {'FULL', cap} end
  return seat()
end
local waiting = redis.call('HGET', KEYS[7], ARGV[6])
if waiting then
  if string.sub(waiting, 1, 2) ~= 'A ' then
    redis.call('HSET', KEYS[7], ARGV[6], ARGV[1])
    return {'WAITING'}
  end
  local seats = taken()
  if seats >= cap then return {'FULL', cap} end
  redis.call('HDEL', KEYS[7], ARGV[6])
  return seat()
end
if reached(9, ARGV[11]) then return {'WAIT_JOINS'} end
local owner = redis.call('HGET', KEYS[1], 'owner')
local owned = nil  -- the counter of newcomers to the classes of this room's teacher
if type(owner) == 'string' and #owner <= 64 and string.match(owner, '^[A-Za-z0-9_-]+$') then
  owned = ARGV[17] .. owner .. ':' .. ARGV[18]
  if reached_key(owned, ARGV[15]) then return {'WAIT_TEACHER'} end
end
local function newcomer()
  count(9, ARGV[12])
  if owned then count_key(owned, ARGV[16]) end
end
if redis.call('HGET', KEYS[1], 'locked') == '1' then return {'LOCKED'} end
if redis.call('HGET', KEYS[1], 'approval') == '1' then
  if redis.call('HLEN', KEYS[7]) >= tonumber(ARGV[14]) then
    local _, waits = prune(horizon)
    if waits >= tonumber(ARGV[14]) then return {'WAITING_FULL'} end
  end
  newcomer()
  redis.call('HSET', KEYS[7], ARGV[6], ARGV[1])
  like_room(KEYS[7])
  return {'WAITING'}
end
local seats, admitted = taken()
if seats + admitted >= cap then return {'FULL', cap} end
newcomer()
return seat()
"""

# ARGV 6 member, 7 flag (1 following, 0 exploring).
HEARTBEAT = """
local was = redis.call('HGET', KEYS[2], ARGV[6])
if not alive() or not was or was == 'R' or was == 'L' then return {'GONE'} end
redis.call('HSET', KEYS[2], ARGV[6], ARGV[1] .. ' ' .. ARGV[7])
local r = redis.call('HMGET', KEYS[1], 'seen', 'locked')
return {'OK', r[1], r[2] or '0'}
"""

# ARGV 6 member, 7 question id, 8 option.
ANSWER = """
local was = redis.call('HGET', KEYS[2], ARGV[6])
if not alive() or not was or was == 'R' or was == 'L' then return {'GONE'} end
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

# ARGV 6 token hash, 7 max questions, 8.. members: each removed ('R' in the members hash: refused by JOIN,
# HEARTBEAT and ANSWER, and no seat; out of the waiting room), its answers to every question taken out of their
# counts (a damaged 'qlast' reads at most the questions a room may hold).
REMOVE = """
local fails = teacher_fails(ARGV[6])
if fails then return {fails} end
keep()
local members = {}
for i = 8, #ARGV do
  members[#members + 1] = ARGV[i]
  redis.call('HSET', KEYS[2], ARGV[i], 'R')
  redis.call('HDEL', KEYS[7], ARGV[i])
end
local ids = {}
local last = math.min(whole(redis.call('HGET', KEYS[1], 'qlast')), tonumber(ARGV[7]))
for id = 1, last do ids[id] = string.format('%d', id) end
withdraw(ids, members)
like_room(KEYS[2])
return {'OK'}
"""

# KEYS 1 room, 2 members. ARGV 1 the member. -> {teacher, seen, locked, the member's entry} (capped)
PRESENCE = """
local r = redis.call('HMGET', KEYS[1], 'teacher', 'seen', 'locked')
return capped({r[1], r[2], r[3] or '0', redis.call('HGET', KEYS[2], ARGV[1]) or ''}, 100)
"""

# KEYS 1 room, 2 members, 3 the member's stream claim. ARGV 1 the member, 2 the stream, 3 "1" to claim, 4 the claim's
# time to live in ms. -> {teacher, seat, locked, the member's entry, "1" while the stream is the member's one}
# (capped). Only a seated member's stream claims (its entry a time, neither 'R' nor 'L'); a claim missing (lapsed)
# is taken again.
STREAM = """
local r = redis.call('HMGET', KEYS[1], 'teacher', 'seen', 'locked')
local entry = redis.call('HGET', KEYS[2], ARGV[1]) or ''
local mine = '1'
if entry ~= '' and entry ~= 'R' and entry ~= 'L' then
  local held = redis.call('GET', KEYS[3])
  if ARGV[3] == '1' or not held or held == ARGV[2] then
    redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[4])
  else
    mine = '0'
  end
end
return capped({r[1], r[2], r[3] or '0', entry, mine}, 100)
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
