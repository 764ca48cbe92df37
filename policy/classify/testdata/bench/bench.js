// Times npm's sentiment package (AFINN-165) on the same bytes as the Go
// benchmark BenchmarkClassifyVI: the title, excerpt and content of every row
// of a JSON Lines file, one analyze() call per row.
//
//   node bench.js /work/shared/data/tone/vi_news_dev.jsonl
'use strict';
const fs = require('fs');
const Sentiment = require('sentiment');

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench.js FILE.jsonl');
  process.exit(2);
}
const texts = [];
let bytes = 0;
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  const parts = [r.title || '', r.excerpt || '', r.content || ''];
  for (const p of parts) bytes += Buffer.byteLength(p, 'utf8');
  texts.push(parts.join('\n'));
}
const sentiment = new Sentiment();
let sink = 0;
// Chunks of 32 texts, each timed on its own: the sum of each chunk's
// fastest time gives "best-MB/s", as bestChunks does in the Go benchmarks.
const chunk = 32;
const best = [];
for (let i = 0; i < texts.length; i += chunk) {
  best.push(Infinity);
}
const pass = () => {
  for (let k = 0; k < best.length; k++) {
    const t0 = process.hrtime.bigint();
    for (let i = k * chunk; i < Math.min((k + 1) * chunk, texts.length); i++) sink += sentiment.analyze(texts[i]).score;
    const d = Number(process.hrtime.bigint() - t0) / 1e9;
    if (d < best[k]) best[k] = d;
  }
};
pass(); // warm up the JIT
best.fill(Infinity);
const passes = Number(process.env.PASSES || 5);
// Wall time, and CPU time (user + system, all of the process's threads), as
// the Go benchmark reports MB/s and MB/cpu-s.
const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
for (let i = 0; i < passes; i++) pass();
const cpu = process.cpuUsage(cpu0);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
const cpuSecs = (cpu.user + cpu.system) / 1e6;
const mb = (bytes * passes) / 1e6;
const bestSecs = best.reduce((a, b) => a + b, 0);
// (the joining newlines are not counted: bytes is the three fields' bytes)
console.log(`node sentiment (${texts.length} texts, ${bytes} bytes, ${passes} passes): ` +
  `${(mb / secs).toFixed(2)} MB/s ${(mb / cpuSecs).toFixed(2)} MB/cpu-s ${(bytes / 1e6 / bestSecs).toFixed(2)} best-MB/s`);
if (sink === 0.5) console.log(''); // keep the work observable
