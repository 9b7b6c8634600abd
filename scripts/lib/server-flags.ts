// The Node flags of every production start of the app: `npm start` (package.json, where a user
// reads them), `npm run demo` and `npm run bench` (which must measure the server a user runs).
// docs/PERFORMANCE.md, "What holds the server's memory (session 10)", has the measurements.
//
// - --max-old-space-size=512: a ceiling for V8's old generation (3.5–5× the ~100–140 MB the
//   server keeps alive at c=32). With a ceiling under 2 GB (Node's default is a quarter of the
//   machine's memory, at most 4 GB) V8 also lets the old generation grow to at most ~1.4× what
//   survived the last full collection, instead of 4×: without it the old space reached ~290 MB in
//   the bench for ~90 MB live (peak RSS 472–500 MB). With 1024 the quiet bench still peaked at
//   298–306 MB when sign-ins ran fastest; with 512, 270–277 MB. No CPU cost measured.
// - --max-semi-space-size=8: the young generation's two halves at 8 MB instead of 16 MB
//   (−16 MB resident); twice the scavenges, perhaps 1–2 ms of CPU per sign-in (within the
//   shared machine's noise; the page above says how to drop it if a quiet run confirms it).
//
// Flags on the command line win over NODE_OPTIONS: to raise the ceiling, start
// `node --max-old-space-size=1024 --max-semi-space-size=8 node_modules/next/dist/bin/next start` instead (README).
export const SERVER_NODE_FLAGS = ["--max-old-space-size=512", "--max-semi-space-size=8"] as const;

/** The `node …` command line of a production start, as package.json's `start` spells it. */
export function nextStartCommand(nextBin = "node_modules/next/dist/bin/next"): string {
  return ["node", ...SERVER_NODE_FLAGS, nextBin, "start"].join(" ");
}
