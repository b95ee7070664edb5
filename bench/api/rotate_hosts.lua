-- wrk script: rotate the Host header over the benchmark's tenants.
local hosts = {}
local i = 0
init = function(args)
  for _, h in ipairs(args) do table.insert(hosts, h) end
end
request = function()
  i = i + 1
  local headers = {}
  if #hosts > 0 then headers["Host"] = hosts[(i % #hosts) + 1] end
  return wrk.format("GET", nil, headers)
end
