// One NodejsFunction per handler, bundled locally by esbuild (no Docker). Each gets only its own grants.
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, logicalId } from './nag.ts';
import { HANDLER_ENV } from '../lambdas/contracts/env.ts';
import { RUNS_TABLE } from '../lambdas/contracts/tables.ts';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HANDLERS_DIR = join(root, 'lambdas', 'handlers');

/** The environment variable names every handler reads (settings come from the environment only). */
export const ENV = HANDLER_ENV;

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

    // one line per function below: its memory (MB), timeout and description, then anything else it needs
    const make = (
      name: string,
      file: string,
      memorySize: number,
      timeout: Duration,
      description: string,
      opts: Partial<nodejs.NodejsFunctionProps> = {},
    ): nodejs.NodejsFunction => {
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
        memorySize,
        timeout,
        description,
        ...opts,
      });
      return fn;
    };

    // Fit streams and parses the CSV, runs OLS + screening + LASSO CV: seconds for years of daily data.
    this.fit = make('Fit', 'fit.ts', 1024, Duration.minutes(5), 'varstream: read CSV, fit factor model, plan shards');
    // 1769 MB is exactly one vCPU; the shard size is chosen so one shard finishes far inside the timeout.
    const simulate = 'varstream: simulate one shard of Monte Carlo samples';
    this.simulate = make('Simulate', 'simulate.ts', 1769, Duration.minutes(5), simulate, { reservedConcurrentExecutions: props.simulateReservedConcurrency });
    // Reduce merges the tails of every shard (k-way merge of small sorted arrays).
    this.reduce = make('Reduce', 'reduce.ts', 1024, Duration.minutes(5), 'varstream: merge shard tails, VaR/ES, store the run');
    this.fail = make('Fail', 'fail.ts', 256, Duration.seconds(30), 'varstream: record a FAILED run');
    // The trigger only hashes a name and calls StartExecution; the schedule lists a few prefixes.
    const trigger = 'varstream: start one execution per upload (and per scheduled re-run)';
    this.trigger = make('Trigger', 'trigger.ts', 256, Duration.seconds(60), trigger, { environment: { ...environment, [ENV.portfolios]: props.portfolios.join(',') } });
    // API Gateway gives up after 29 s; the API only reads items and starts executions.
    this.api = make('Api', 'api.ts', 512, Duration.seconds(29), 'varstream: REST API', {
      environment: { ...environment, [ENV.idempotencyTable]: props.idempotencyTable.tableName },
    });
    this.all = [this.fit, this.simulate, this.reduce, this.fail, this.trigger, this.api];

    // Least privilege, per function: every action listed by hand (no grant* action groups), each on the prefix or
    // table it is used on. The README's "IAM per function" table says the same; test/lib/stack.test.ts pins it.
    const objectsUnder = (...prefixes: string[]) => prefixes.map((p) => bucket.arnForObjects(`${p}/*`));
    const allow = (fn: nodejs.NodejsFunction, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }));
    // ListObjectsV2 under these prefixes only: the schedule's "newest upload", and telling a missing object (404)
    // from a forbidden one (S3 answers 403 for a missing key to a caller that may not list; see object-store.ts)
    const listUnder = (fn: nodejs.NodejsFunction, ...prefixes: string[]) =>
      allow(fn, ['s3:ListBucket'], [bucket.bucketArn], { StringLike: { 's3:prefix': prefixes.map((p) => `${p}/*`) } });
    const runsTable = [table.tableArn];
    const byPortfolio = [`${table.tableArn}/index/${RUNS_TABLE.byPortfolio.indexName}`];

    // Fit: reads the CSV (the exact version the run was keyed on), the optional config; writes partials; creates RUNNING
    allow(this.fit, ['s3:GetObject', 's3:GetObjectVersion'], objectsUnder('uploads', 'inline'));
    allow(this.fit, ['s3:GetObject'], objectsUnder('config'));
    listUnder(this.fit, 'uploads', 'inline', 'config');
    allow(this.fit, ['s3:PutObject'], objectsUnder('partials')); // put only: partials expire by lifecycle rule
    allow(this.fit, ['dynamodb:PutItem', 'dynamodb:GetItem'], runsTable); // conditional put; get of an existing run

    allow(this.simulate, ['s3:PutObject'], objectsUnder('partials'));

    // partials; the portfolio's earlier history entries (reports/<p>/runs/*.json) to rebuild its history page
    allow(this.reduce, ['s3:GetObject'], objectsUnder('partials', 'reports'));
    listUnder(this.reduce, 'reports'); // an entry missing from reports/ reads as 404, not 403
    // results too large for one item (read by the API), the HTML report and the history (kept: reports/ has no expiry)
    allow(this.reduce, ['s3:PutObject'], objectsUnder('results', 'reports'));
    allow(this.reduce, ['dynamodb:UpdateItem'], runsTable); // RUNNING → SUCCEEDED (conditional)
    allow(this.reduce, ['dynamodb:Query'], byPortfolio); // the portfolio's runs: previous run, history page

    allow(this.fail, ['dynamodb:UpdateItem'], runsTable); // RUNNING or absent → FAILED (conditional)

    allow(this.trigger, ['s3:GetObject'], objectsUnder('uploads')); // HeadObject of the newest upload
    listUnder(this.trigger, 'uploads');
    allow(this.trigger, ['dynamodb:PutItem', 'dynamodb:GetItem'], runsTable); // SKIPPED records (conditional put)

    allow(this.api, ['s3:PutObject'], objectsUnder('inline')); // inline CSV bodies (outside uploads/: no second run)
    allow(this.api, ['s3:GetObject'], objectsUnder('uploads', 'results', 'reports'));
    // POST /runs {key} of a missing upload is 404, not 500; GET / lists the portfolio folders under reports/
    listUnder(this.api, 'uploads', 'reports');
    allow(this.api, ['dynamodb:GetItem', 'dynamodb:PutItem'], runsTable);
    allow(this.api, ['dynamodb:Query'], byPortfolio);
    // Powertools' DynamoDB persistence layer: conditional put, get, update on completion, delete on a failed request
    allow(this.api, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [props.idempotencyTable.tableArn]);

    for (const fn of this.all) {
      acknowledge(fn, ['AwsSolutions-L1'], 'nodejs22.x is the runtime this project targets and tests against; bumping it is a deliberate change.');
    }
    // Object grants are scoped to one prefix of one bucket.
    const prefixes = ['uploads', 'config', 'inline', 'partials', 'results', 'reports'];
    const ids = prefixes.map((p) => `AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/${p}/*]`);
    for (const fn of this.all) acknowledge(fn, ids, 'Object grants are scoped to one prefix of the one bucket (uploads/, config/, inline/, partials/, results/, reports/).');
  }
}
