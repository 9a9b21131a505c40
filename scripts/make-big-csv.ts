// Writes a large seeded returns CSV to measure the fit's memory and time (issue 12: 10^6 rows × 8 factors in 1 GB).
// Usage: node --import tsx scripts/make-big-csv.ts OUT.csv [ROWS=1000000] [FACTORS=8]
// Then: /usr/bin/time -v node bin/varstream.mjs fit OUT.csv --json > /dev/null   (peak RSS: "Maximum resident set size")
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { isoDay, seededNormals } from './seeded-returns.ts';

const [out, rowsArg = '1000000', factorsArg = '8'] = process.argv.slice(2);
if (!out) {
  console.error('usage: make-big-csv.ts OUT.csv [ROWS] [FACTORS]');
  process.exit(2);
}
const rows = Number(rowsArg);
const k = Number(factorsArg);

const normal = seededNormals(); // a fixed seed, so every measurement reads the same file
const beta = Array.from({ length: k }, (_, j) => (j % 2 === 0 ? 1 : -1) * (0.9 / (j + 1)));

const file = createWriteStream(out);
const write = async (text: string) => {
  if (!file.write(text)) await once(file, 'drain');
};
await write(`date,portfolio,${Array.from({ length: k }, (_, j) => `F${j + 1}`).join(',')}\n`);
let chunk = '';
for (let i = 0; i < rows; i++) {
  const f = Array.from({ length: k }, (_, j) => normal() * 0.01 * (1 + j / 10));
  let y = normal() * 0.004;
  for (let j = 0; j < k; j++) y += beta[j] * f[j];
  // 5 decimals (returns of ~1 %): 10^6 rows × 8 factors stay under the default maxFileBytes (100 MB)
  chunk += `${isoDay(i)},${y.toFixed(5)},${f.map((v) => v.toFixed(5)).join(',')}\n`;
  if (chunk.length > 1 << 16) {
    await write(chunk);
    chunk = '';
  }
}
await write(chunk);
file.end();
await once(file, 'finish');
console.log(`${out}: ${rows} rows × ${k} factors`);
