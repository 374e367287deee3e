/**
 * OffsetStore.advance for Redis as one Lua script: Redis runs a script alone, so two workers advancing
 * different partitions of one topic (they share its two keys) cannot lose each other's update, and
 * counts and last_offset move together.
 *
 * The script keeps the seed's text forms (see codec.ts): counts '{"0":12}' (and the reset '{"": 0}',
 * whose entry is kept), last_offset '{"0": 11}' or a plain integer ('-1' = nothing stored). Offsets are
 * handled as digit strings and compared by length, so values above 2^53 keep every digit; counts are
 * Lua numbers (exact far beyond any count). A value that is not what the codec accepts is refused with
 * an error starting HF_STATE_INVALID, and nothing is written.
 */
export const ADVANCE_SCRIPT = `
local function invalid(what, text)
  return redis.error_reply('HF_STATE_INVALID stored ' .. what .. ' ' .. string.sub(text, 1, 80) ..
    ' is not a JSON object of partition -> integer')
end

-- Entries in stored order as {key, digits}; nil + error reply when the text is not the codec's form.
local function entries(what, text)
  local out = {}
  if not text or text == '' then return out end
  if not string.match(text, '^%s*{') then return nil, invalid(what, text) end
  local ok, obj = pcall(cjson.decode, text)
  if not ok or type(obj) ~= 'table' then return nil, invalid(what, text) end
  for _, v in pairs(obj) do
    if type(v) ~= 'number' or v ~= math.floor(v) then return nil, invalid(what, text) end
  end
  for k, v in string.gmatch(text, '"([^"]*)"%s*:%s*(%-?%d+)') do out[#out + 1] = {k, v} end
  return out
end

-- a < b for integer digit strings, without going through doubles.
local function less(a, b)
  local na, nb = string.sub(a, 1, 1) == '-', string.sub(b, 1, 1) == '-'
  if na ~= nb then return na end
  if na then return less(string.sub(b, 2), string.sub(a, 2)) end
  a = string.gsub(a, '^0+(%d)', '%1')
  b = string.gsub(b, '^0+(%d)', '%1')
  if #a ~= #b then return #a < #b end
  return a < b
end

local partition, count, offset = ARGV[1], tonumber(ARGV[2]), ARGV[3]

local countsText = redis.call('GET', KEYS[1])
local counts, err = entries('counts', countsText)
if not counts then return err end

local lastText = redis.call('GET', KEYS[2])
local lasts, all = {}, nil
if lastText and string.match(lastText, '^%s*%-?%d+%s*$') then
  -- A plain integer: negative = nothing stored; otherwise the position of every partition.
  local n = string.match(lastText, '%-?%d+')
  if not less(n, '0') then all = n end
else
  lasts, err = entries('last_offset', lastText)
  if not lasts then return err end
end

local found = false
for _, e in ipairs(counts) do
  if e[1] == partition then e[2] = string.format('%d', tonumber(e[2]) + count); found = true end
end
if not found then counts[#counts + 1] = {partition, string.format('%d', count)} end

found = false
for _, e in ipairs(lasts) do
  if e[1] == partition then
    if less(e[2], offset) then e[2] = offset end
    found = true
  end
end
if not found then
  if all and less(offset, all) then offset = all end
  lasts[#lasts + 1] = {partition, offset}
end

local c, l = {}, {}
for i, e in ipairs(counts) do c[i] = cjson.encode(e[1]) .. ':' .. e[2] end
for i, e in ipairs(lasts) do l[i] = cjson.encode(e[1]) .. ': ' .. e[2] end
redis.call('SET', KEYS[1], '{' .. table.concat(c, ',') .. '}')
redis.call('SET', KEYS[2], '{' .. table.concat(l, ', ') .. '}')
return 1
`;
