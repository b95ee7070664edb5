-- wrk script: rotate requests over the benchmark's tenants.
-- Arguments after "--": entries "host" or "host|bearer-token"; with "login" as the first
-- argument, entries are "host|email|password" and each request is a sign-in POST.
local entries = {}
local login = false
local i = 0
init = function(args)
  for n, a in ipairs(args) do
    if n == 1 and a == "login" then login = true
    else
      local parts = {}
      for p in string.gmatch(a, "[^|]+") do table.insert(parts, p) end
      table.insert(entries, parts)
    end
  end
end
request = function()
  i = i + 1
  if #entries == 0 then return wrk.format("GET", nil, {}) end
  local e = entries[(i % #entries) + 1]
  local headers = {["Host"] = e[1]}
  if login then
    headers["Content-Type"] = "application/json"
    local body = string.format('{"email": "%s", "password": "%s"}', e[2], e[3])
    return wrk.format("POST", nil, headers, body)
  end
  if e[2] then headers["Authorization"] = "Bearer " .. e[2] end
  return wrk.format("GET", nil, headers)
end
