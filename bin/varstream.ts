// The varstream CLI: `fit` here, `run` and `backtest` registered by their own modules.
import { Command, CommanderError } from 'commander';
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
  .showHelpAfterError()
  // set before the subcommands are added, so they inherit it: a usage error exits 2 (commander's default is 1)
  .exitOverride();
registerFit(program);
registerRun(program);
registerBacktest(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  // commander has printed the message; --help and --version end with code 0
  process.exitCode = e.exitCode === 0 ? 0 : 2;
}
