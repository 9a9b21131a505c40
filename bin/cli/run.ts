// Placeholder so the CLI frame builds; the owner of `varstream run` replaces this file.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('run')
    .description('run (not implemented yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      process.stderr.write('varstream run: not implemented\n');
      process.exitCode = 1;
    });
}
