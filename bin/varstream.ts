// The varstream CLI: `fit` here, `run` and `backtest` registered by their own modules.
import { Command } from 'commander';
import { register as registerFit } from './cli/fit.ts';
import { register as registerRun } from './cli/run.ts';
import { register as registerBacktest } from './cli/backtest.ts';

// `varstream fit … | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command('varstream')
  .description('Streaming factor-model Monte Carlo Value-at-Risk')
  .version('0.1.0')
  .showHelpAfterError();
registerFit(program);
registerRun(program);
registerBacktest(program);
await program.parseAsync(process.argv);
