// Builds data/tech11.csv, the bundled sample: daily simple returns of the equal-weighted, daily-rebalanced portfolio of
// eleven tech stocks and of the seven candidate factors, from a price-level CSV (default /work/shared/data/prices.csv).
// Usage: npm run sample [-- PRICES.csv [OUT.csv]]
import { createReadStream, writeFileSync } from 'node:fs';
import { readReturns } from '../lambdas/engine/csv.ts';
import { fileURLToPath } from 'node:url';

export const STOCKS = ['AAPL', 'MSFT', 'NVDA', 'GOOGL', 'META', 'AMZN', 'AVGO', 'ORCL', 'CRM', 'ADBE', 'AMD'];
export const FACTORS = ['SPY', 'TLT', 'XLK', 'MTUM', 'VIX', 'VLUE', 'IWF'];

const input = process.argv[2] ?? '/work/shared/data/prices.csv';
const output = process.argv[3] ?? fileURLToPath(new URL('../data/tech11.csv', import.meta.url));

// The reader turns levels into simple returns P_t/P_{t-1} − 1 on the full series (VIX: relative change of the level).
const [first, ...rest] = [...STOCKS, ...FACTORS];
const data = await readReturns(createReadStream(input), input, { portfolio: first, factors: rest, prices: true, log: false });
const column = (name: string): Float64Array => (name === first ? data.y : data.X[data.candidates.indexOf(name)]);
const stocks = STOCKS.map(column);
const factors = FACTORS.map(column);

const lines = [['date', 'portfolio', ...FACTORS].join(',')];
for (let i = 0; i < data.dates.length; i++) {
  // left-to-right sum, then divide: the mean of the eleven simple returns
  let sum = 0;
  for (const s of stocks) sum += s[i];
  lines.push([data.dates[i], String(sum / STOCKS.length), ...factors.map((f) => String(f[i]))].join(','));
}
writeFileSync(output, lines.join('\n') + '\n');
console.log(`${output}: ${data.dates.length} days ${data.dates[0]}..${data.dates[data.dates.length - 1]}`);
