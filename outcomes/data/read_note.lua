-- igf-outcomes' note reader: one long-lived `pandoc lua` process reads note after note, so a note
-- costs its parse, not pandoc's start (outcomes/ingest/pandoc_reader.py drives it).
--
-- Protocol, one request at a time:
--   stdin:  one JSON object per line: {"format": reader, "text": markup} or {"format": reader,
--           "path": file} (Word, ODT), and "max_bytes", the largest document tree accepted.
--   stdout: one JSON status line: {"ok": true, "size": n} followed by the n bytes of pandoc's JSON
--           document tree, or {"ok": false, "error": message}, or {"ok": false, "too_large": true}.
local json = require 'pandoc.json'

-- The reader's environment: an empty file system, as with `pandoc --sandbox`.
local SANDBOX = {}

local function read(line)
  local request = json.decode(line, false)
  local input = request.text
  if request.path then
    local file = assert(io.open(request.path, 'rb'))
    input = file:read('a')
    file:close()
  end
  local tree = pandoc.write(pandoc.read(input, request.format, {}, SANDBOX), 'json')
  if #tree > request.max_bytes then
    return { ok = false, too_large = true }
  end
  return { ok = true, size = #tree }, tree
end

for line in io.lines() do
  local ok, status, tree = pcall(read, line)
  if not ok then
    status, tree = { ok = false, error = tostring(status) }, nil
  end
  io.stdout:write(json.encode(status), '\n')
  if tree then
    io.stdout:write(tree)
  end
  io.stdout:flush()
end
