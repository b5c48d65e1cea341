-- wrk script: every request is a new cart of 3 items for a new customer, as a storefront reports it.
-- Arguments: the storefront key, then a prefix that keeps ids unique across runs.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Content-Type"] = "application/json"
  prefix = args[2]
  counter = 0
end

local body = [[{"customer":{"email":"%s@bench.example","firstName":"Ana"},"currency":"EUR","items":[]] ..
  [[{"sku":"BEANS-1KG","name":"Espresso beans 1 kg","quantity":2,"unitPrice":18.90},]] ..
  [[{"sku":"MUG-BLUE","name":"Blue mug","quantity":1,"unitPrice":7.08},]] ..
  [[{"sku":"FILTER-100","name":"Paper filters","quantity":3,"unitPrice":2.50}],]] ..
  [["shippingCost":4.90,"restoreUrl":"https://shop.example/cart/%s"}]]

function request()
  counter = counter + 1
  local id = prefix .. "-" .. tid .. "-" .. counter
  return wrk.format("PUT", "/api/v1/carts/" .. id, nil, string.format(body, id, id))
end
