// `varstream fit CSV`: read the returns, run OLS + screening + LASSO confirmation, print the summary or the FitResult.
import type { Command } from 'commander';
import { fitModel } from '../../lambdas/engine/fit.ts';
import { addInputOptions, csvCommand, loadReturns, runCli, settingsFromOptions, toJson } from './common.ts';
import type { InputOptions } from './common.ts';
import { formatFit } from './format.ts';

export function register(program: Command): void {
  const cmd = csvCommand(program, 'fit', 'fit the factor model: OLS on every candidate, VIF then p-value screening, LASSO confirmation');
  addInputOptions(cmd);
  cmd.action(
    runCli(async (csv: string, opts: InputOptions) => {
      const settings = settingsFromOptions(opts);
      const data = await loadReturns(csv, settings);
      const fit = fitModel(data, settings);
      process.stdout.write(opts.json ? toJson(fit) : formatFit(fit, settings));
    }),
  );
}
