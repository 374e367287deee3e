/**
 * The Lua scripts of the Redis game store. Each runs atomically inside Redis, which is what fixes
 * upstream's races cheaply: a join checks the joined count and the status in the same step as it
 * increments them, a start or time-out is a compare-and-set, an attack reads and writes health and the
 * turn order in one go. Keys follow upstream's layout (upstream.md §1.7); game keys are derived from the
 * token inside the script, which is fine on a single Redis (not on Redis Cluster).
 * Every change is announced on CHANGES_CHANNEL so that servers wake up instead of polling.
 */

export const CHANGES_CHANNEL = 'heroflow:games:changes';

const PRELUDE = `
local function k(g, suffix) if suffix then return 'games:' .. g .. ':' .. suffix end return 'games:' .. g end
local function joined(g) return tonumber(redis.call('ZSCORE', 'games:participants', g) or '0') end
`;

/** ARGV: user, size, newToken, pick∈[0,1), hero candidates… → {game, id, attack, health, created} | nil */
export const JOIN = `${PRELUDE}
local user, size, newToken, pick = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local list = 'games:players:' .. size
local open = {}
for _, g in ipairs(redis.call('LRANGE', list, 0, -1)) do
  local st = redis.call('GET', k(g, 'status'))
  if not st then
    redis.call('LREM', list, 0, g) -- expired by the clean routine
  elseif (st == 'Initializing' or st == 'Waiting Lobby' or st == 'Time Out') and joined(g) < size
      and redis.call('SISMEMBER', k(g), user) == 0 then
    open[#open + 1] = g
  end
end
local g = open[math.floor(pick * #open) + 1]
local created = 0
local hero
for i = 5, #ARGV do
  local doc = redis.call('HGET', 'superheros', ARGV[i])
  if doc and (not g or redis.call('SISMEMBER', k(g, 'superheros'), ARGV[i]) == 0) then
    hero = { ARGV[i], cjson.decode(doc).powerstats }
    break
  end
end
if not hero then return nil end
if not g then
  g = newToken
  created = 1
  redis.call('RPUSH', list, g)
  redis.call('ZADD', 'games:participants', 0, g)
  redis.call('SET', k(g, 'participants'), size)
  redis.call('SET', k(g, 'status'), 'Waiting Lobby')
  redis.call('SET', k(g, 'host'), user)
end
local n = redis.call('ZINCRBY', 'games:participants', 1, g)
redis.call('SADD', k(g), user)
local attack, health = math.floor(hero[2].attack), math.floor(hero[2].health)
redis.call('HSET', k(g, 'superheros:' .. user), 'id', hero[1], 'attack', attack, 'health', health)
redis.call('SADD', k(g, 'superheros'), hero[1])
if tonumber(n) >= size then redis.call('LREM', list, 0, g) end -- full: no longer open
redis.call('PUBLISH', '${CHANGES_CHANNEL}', g)
return { g, tonumber(hero[1]), attack, health, created }
`;

/** ARGV: game → {status, size, joined, host, {participants}, {order}, {user, id, attack, health}…} | nil */
export const VIEW = `${PRELUDE}
local g = ARGV[1]
local size = redis.call('GET', k(g, 'participants'))
if not size then return nil end
local users = redis.call('SMEMBERS', k(g))
local heroes = {}
for _, u in ipairs(users) do
  local h = redis.call('HMGET', k(g, 'superheros:' .. u), 'id', 'attack', 'health')
  heroes[#heroes + 1] = { u, h[1] or '', h[2] or '0', h[3] or '0' }
end
return { redis.call('GET', k(g, 'status')) or '', size, tostring(joined(g)), redis.call('GET', k(g, 'host')) or '',
  users, redis.call('LRANGE', k(g, 'order'), 0, -1), heroes }
`;

/** ARGV: game → 1 when this call moved Waiting Lobby → Starting (turn order = sorted participants). */
export const START = `${PRELUDE}
local g = ARGV[1]
local size = tonumber(redis.call('GET', k(g, 'participants')) or '0')
if redis.call('GET', k(g, 'status')) ~= 'Waiting Lobby' or size == 0 or joined(g) < size then return 0 end
redis.call('SET', k(g, 'status'), 'Starting')
if redis.call('LLEN', k(g, 'order')) == 0 then
  local users = redis.call('SMEMBERS', k(g))
  table.sort(users)
  redis.call('RPUSH', k(g, 'order'), unpack(users))
end
redis.call('PUBLISH', '${CHANGES_CHANNEL}', g)
return 1
`;

/** ARGV: game → 1 when this call moved Waiting Lobby → Timed Out (the game was not full). */
export const TIME_OUT = `${PRELUDE}
local g = ARGV[1]
local size = redis.call('GET', k(g, 'participants'))
if redis.call('GET', k(g, 'status')) ~= 'Waiting Lobby' or not size or joined(g) >= tonumber(size) then return 0 end
redis.call('SET', k(g, 'status'), 'Timed Out')
redis.call('LREM', 'games:players:' .. size, 0, g)
redis.call('PUBLISH', '${CHANGES_CHANNEL}', g)
return 1
`;

/** ARGV: game, status, from ('' = any) → 1 when set. */
export const SET_STATUS = `${PRELUDE}
local g = ARGV[1]
local cur = redis.call('GET', k(g, 'status'))
if not cur or (ARGV[3] ~= '' and cur ~= ARGV[3]) then return 0 end
redis.call('SET', k(g, 'status'), ARGV[2])
redis.call('PUBLISH', '${CHANGES_CHANNEL}', g)
return 1
`;

/** ARGV: game, attacker, enemy → {damage, prior, post, completed} | error reason string. */
export const ATTACK = `${PRELUDE}
local g, attacker, enemy = ARGV[1], ARGV[2], ARGV[3]
if not redis.call('GET', k(g, 'status')) then return 'no-game' end
if redis.call('LINDEX', k(g, 'order'), 0) ~= attacker or redis.call('LLEN', k(g, 'order')) < 2 then
  return 'not-your-turn'
end
if enemy == attacker or redis.call('SISMEMBER', k(g), enemy) == 0 then return 'not-an-opponent' end
local enemyKey = k(g, 'superheros:' .. enemy)
local prior = tonumber(redis.call('HGET', enemyKey, 'health') or '0')
if prior <= 0 then return 'enemy-dead' end
local damage = tonumber(redis.call('HGET', k(g, 'superheros:' .. attacker), 'attack') or '0')
local post = math.max(prior - damage, 0)
redis.call('HSET', enemyKey, 'health', post)
if post == 0 then redis.call('LREM', k(g, 'order'), 1, enemy) end
redis.call('LMOVE', k(g, 'order'), k(g, 'order'), 'LEFT', 'RIGHT')
local completed = redis.call('LLEN', k(g, 'order')) <= 1
redis.call('SET', k(g, 'status'), completed and 'Completed' or 'In-Progress')
redis.call('PUBLISH', '${CHANGES_CHANNEL}', g)
return { damage, prior, post, completed and 1 or 0 }
`;

/**
 * ARGV: game, user, seconds. Upstream's clean routine with its keys fixed: every key of the game expires
 * (upstream skipped `games:<g>` and `games:<g>:superheros` and used `games:participants:<n>` for the
 * open list), whichever participant's record arrives — idempotent, so a lost record of the host does
 * not leak the game.
 */
export const EXPIRE_GAME = `${PRELUDE}
local g, secs = ARGV[1], ARGV[3]
local size = redis.call('GET', k(g, 'participants'))
for _, u in ipairs(redis.call('SMEMBERS', k(g))) do redis.call('EXPIRE', k(g, 'superheros:' .. u), secs) end
redis.call('EXPIRE', k(g, 'superheros:' .. ARGV[2]), secs)
for _, s in ipairs({ 'order', 'status', 'participants', 'host', 'superheros', 'logs' }) do
  redis.call('EXPIRE', k(g, s), secs)
end
redis.call('EXPIRE', k(g), secs)
redis.call('ZREM', 'games:participants', g)
if size then redis.call('LREM', 'games:players:' .. size, 1, g) end
return 1
`;
