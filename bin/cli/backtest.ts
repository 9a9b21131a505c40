// Placeholder so the CLI frame builds; the owner of `varstream backtest` replaces this file.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('backtest')
    .description('backtest (not implemented yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      process.stderr.write('varstream backtest: not implemented\n');
      process.exitCode = 1;
    });
}
