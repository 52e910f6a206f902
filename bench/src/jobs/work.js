// The loop every CPU measure runs: one pass is a small FNV-1a hash over 64
// bytes (~100 ns), a stand-in for the innermost loop of real work.
const data = new Uint8Array(1024).map((_, i) => (i * 31) & 0xff);

/** One iteration of work; the result is folded into `h` so nothing is optimized away. */
export function step(h, i) {
  for (let j = 0; j < 64; j++) h = Math.imul(h ^ data[(i + j) & 1023], 16777619);
  return h;
}
