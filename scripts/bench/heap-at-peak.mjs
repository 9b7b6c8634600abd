// Loaded by the bench into the server it measures (`node --import`): V8's own figures at the
// moment the process's resident memory was highest, rewritten to $BENCH_HEAP_FILE (small JSON)
// whenever a new peak is seen, so the bench can say what the peak RSS was made of. Reads only;
// a 100-ms timer that never keeps the process alive.
import fs from "node:fs";
import v8 from "node:v8";

const file = process.env.BENCH_HEAP_FILE;
if (file) {
  let peak = 0;
  setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss <= peak) return;
    peak = m.rss;
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
    fs.writeFileSync(file, JSON.stringify({ rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, spaces }));
  }, 100).unref();
}
