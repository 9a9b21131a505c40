// The varstream CLI: each subcommand registers itself from its own module, loaded only when it is the one invoked
// (help without a subcommand loads them all to list them).
import { Command, CommanderError } from 'commander';

const subcommands: Record<string, () => Promise<{ register(program: Command): void }>> = {
  fit: () => import('./cli/fit.ts'),
  run: () => import('./cli/run.ts'),
  backtest: () => import('./cli/backtest.ts'),
};

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
// the program itself has no options that take a value: the first non-option argument names the subcommand
const invoked = process.argv.slice(2).find((a) => !a.startsWith('-'));
const load = invoked !== undefined && Object.hasOwn(subcommands, invoked) ? [invoked] : Object.keys(subcommands);
for (const name of load) (await subcommands[name]()).register(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  // commander has printed the message; --help and --version end with code 0
  process.exitCode = e.exitCode === 0 ? 0 : 2;
}
