// One NodejsFunction per handler, bundled locally by esbuild (no Docker). Each gets only its own grants.
import { type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge } from './nag.ts';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HANDLERS_DIR = join(root, 'lambdas', 'handlers');

/** The environment variable names every handler reads (settings come from the environment only). */
export const ENV = {
  bucket: 'VARSTREAM_BUCKET',
  table: 'VARSTREAM_TABLE',
  stateMachineArn: 'VARSTREAM_STATE_MACHINE_ARN',
  portfolios: 'VARSTREAM_PORTFOLIOS',
  inlineShardLimit: 'VARSTREAM_INLINE_SHARD_LIMIT',
  idempotencyTable: 'VARSTREAM_IDEMPOTENCY_TABLE',
} as const;

export interface ComputeProps {
  bucket: s3.IBucket;
  table: dynamodb.ITable;
  /** Powertools idempotency records of POST /runs (Idempotency-Key header) */
  idempotencyTable: dynamodb.ITable;
  /** shards up to this count run in an inline Map; more go through a Distributed Map (descriptors via S3) */
  inlineShardLimit: number;
  /** portfolios the schedule re-runs */
  portfolios: string[];
  /** optional reserved concurrency of Simulate (unset by default: new accounts only have 10 in total) */
  simulateReservedConcurrency?: number;
}

export class Compute extends Construct {
  readonly fit: nodejs.NodejsFunction;
  readonly simulate: nodejs.NodejsFunction;
  readonly reduce: nodejs.NodejsFunction;
  readonly fail: nodejs.NodejsFunction;
  readonly trigger: nodejs.NodejsFunction;
  readonly api: nodejs.NodejsFunction;
  readonly all: nodejs.NodejsFunction[];

  constructor(scope: Construct, id: string, props: ComputeProps) {
    super(scope, id);
    const { bucket, table } = props;
    const environment = {
      [ENV.bucket]: bucket.bucketName,
      [ENV.table]: table.tableName,
      [ENV.inlineShardLimit]: String(props.inlineShardLimit),
      POWERTOOLS_SERVICE_NAME: 'varstream',
      NODE_OPTIONS: '--enable-source-maps',
    };

    const make = (name: string, file: string, opts: Partial<nodejs.NodejsFunctionProps>): nodejs.NodejsFunction => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
      const fn = new nodejs.NodejsFunction(this, name, {
        entry: join(HANDLERS_DIR, file),
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        logGroup,
        environment,
        bundling: {
          format: nodejs.OutputFormat.ESM,
          target: 'node22',
          minify: true,
          sourceMap: true,
          forceDockerBundling: false,
          // CommonJS dependencies (@stdlib, ml-matrix) call require() inside an ESM bundle
          banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
          // the runtime ships SDK v3; bundling it would only add cold-start weight
          externalModules: ['@aws-sdk/*'],
        },
        ...opts,
      });
      return fn;
    };

    // Fit streams and parses the CSV, runs OLS + screening + LASSO CV: seconds for years of daily data.
    this.fit = make('Fit', 'fit.ts', { memorySize: 1024, timeout: Duration.minutes(5), description: 'varstream: read CSV, fit factor model, plan shards' });
    // 1769 MB is exactly one vCPU; the shard size is chosen so one shard finishes far inside the timeout.
    this.simulate = make('Simulate', 'simulate.ts', {
      memorySize: 1769,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: props.simulateReservedConcurrency,
      description: 'varstream: simulate one shard of Monte Carlo samples',
    });
    // Reduce merges the tails of every shard (k-way merge of small sorted arrays).
    this.reduce = make('Reduce', 'reduce.ts', { memorySize: 1024, timeout: Duration.minutes(5), description: 'varstream: merge shard tails, VaR/ES, store the run' });
    this.fail = make('Fail', 'fail.ts', { memorySize: 256, timeout: Duration.seconds(30), description: 'varstream: record a FAILED run' });
    // The trigger only hashes a name and calls StartExecution; the schedule lists a few prefixes.
    this.trigger = make('Trigger', 'trigger.ts', {
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: { ...environment, [ENV.portfolios]: props.portfolios.join(',') },
      description: 'varstream: start one execution per upload (and per scheduled re-run)',
    });
    // API Gateway gives up after 29 s; the API only reads items and starts executions.
    this.api = make('Api', 'api.ts', {
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: { ...environment, [ENV.idempotencyTable]: props.idempotencyTable.tableName },
      description: 'varstream: REST API',
    });
    this.all = [this.fit, this.simulate, this.reduce, this.fail, this.trigger, this.api];

    // Least privilege, per function.
    bucket.grantRead(this.fit, 'uploads/*');
    bucket.grantRead(this.fit, 'config/*');
    bucket.grantRead(this.fit, 'inline/*'); // CSV bodies POSTed to the API
    bucket.grantPut(this.fit, 'partials/*'); // descriptors of large runs for the Distributed Map (put only: nothing is deleted)
    table.grantReadWriteData(this.fit); // create RUNNING (conditional put + get of an existing run)

    bucket.grantPut(this.simulate, 'partials/*');

    bucket.grantRead(this.reduce, 'partials/*');
    bucket.grantPut(this.reduce, 'results/*'); // results too large for one item (written here, read by the API)
    table.grantReadWriteData(this.reduce);
    // the HTML report: Reduce writes it, nothing else (kept: reports/ has no lifecycle expiry)
    this.reduce.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('reports/*')] }));

    table.grantWriteData(this.fail);

    bucket.grantRead(this.trigger, 'uploads/*'); // the schedule finds each portfolio's latest upload

    bucket.grantPut(this.api, 'inline/*'); // inline CSV bodies become objects (outside uploads/: no second run)
    bucket.grantRead(this.api, 'uploads/*');
    bucket.grantRead(this.api, 'results/*');
    table.grantReadWriteData(this.api);
    // GET /runs/{runId}/report reads the object, nothing else
    this.api.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('reports/*')] }));
    props.idempotencyTable.grantReadWriteData(this.api);

    for (const fn of this.all) {
      acknowledge(fn, ['AwsSolutions-L1'], 'nodejs22.x is the runtime this project targets and tests against; bumping it is a deliberate change.');
    }
    // Object grants are scoped to one prefix of one bucket; the action groups are what grantRead/grantWrite emit.
    const prefixes = ['uploads', 'config', 'inline', 'partials', 'results', 'reports'];
    const stack = Stack.of(this);
    const logicalId = (c: IConstruct): string => stack.resolve(stack.getLogicalId(c.node.defaultChild as CfnElement)) as string;
    const ids = [
      ...['GetObject*', 'GetBucket*', 'List*', 'DeleteObject*', 'Abort*', 'PutObject*'].map((a) => `Action::s3:${a}`),
      ...prefixes.map((p) => `Resource::<${logicalId(bucket)}.Arn>/${p}/*`),
      `Resource::<${logicalId(table)}.Arn>/index/*`,
    ].map((f) => `AwsSolutions-IAM5[${f}]`);
    for (const fn of this.all)
      acknowledge(fn, ids, "Grants are scoped to one prefix of the one bucket (uploads/, config/, inline/, partials/, results/, reports/) and to the table's own indexes; the s3 action groups are those CDK grantRead/grantWrite emit.");
  }
}
