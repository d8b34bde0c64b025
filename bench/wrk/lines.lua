-- lines.lua - shared by issue.lua and verify.lua: each wrk thread takes its own lines of the file named
-- in the environment variable LINES (thread k of n: lines k, k+n, k+2n, ...), so no line is sent twice.
local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function load_lines()
   local n = tonumber(os.getenv("WRK_THREADS") or "2")
   local mine, i = {}, 0
   for line in io.lines(os.getenv("LINES")) do
      if i % n == tid then
         local f = {}
         for w in line:gmatch("%S+") do f[#f + 1] = w end
         mine[#mine + 1] = f
      end
      i = i + 1
   end
   return mine
end
