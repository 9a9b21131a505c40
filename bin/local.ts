// `npm start`: the local stack in the foreground until Ctrl-C. Upload a CSV to local S3 under
// uploads/<portfolioId>/…csv and the run starts; read it over the HTTP API. See docs/local.md.
import { optionsFromEnv } from '../lambdas/local/options.ts';
import { startLocalStack } from '../lambdas/local/stack.ts';

const stamp = () => new Date().toISOString().slice(11, 19);

async function main(): Promise<void> {
  const stack = await startLocalStack({ ...optionsFromEnv(), log: (line) => console.log(`${stamp()} ${line}`) });
  console.log(`${stamp()} ready: upload to s3://${stack.bucket}/uploads/<portfolioId>/<name>.csv, e.g.`);
  console.log(`         AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${stack.s3Endpoint} s3 cp data/tech11.csv s3://${stack.bucket}/uploads/tech11/2024-04-30.csv`);
  console.log(`         curl ${stack.apiUrl}/portfolios/tech11/runs      (Ctrl-C stops)`);

  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) {
      console.log(`${stamp()} ${signal} again: exiting now`);
      process.exit(130);
    }
    console.log(`${stamp()} ${signal}: stopping (runs in flight end FAILED)…`);
    stack.stop().then(
      () => {
        console.log(`${stamp()} stopped`);
        process.exit(0);
      },
      (e) => {
        console.error(`${stamp()} stop failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e) => {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') console.error(`varstream local: port in use (${err.message}); set VARSTREAM_API_PORT / VARSTREAM_S3_PORT / VARSTREAM_DYNAMODB_PORT, 0 = any free port`);
  else if (err.syscall === 'mkdir') console.error(`varstream local: cannot create the data directory (VARSTREAM_DATA_DIR): ${err.code} ${err.path}`);
  else console.error(`varstream local: ${process.env.VARSTREAM_DEBUG ? (err.stack ?? err.message) : err.message}`);
  process.exit(1);
});
