// The varstream stack: storage, compute, the Step Functions pipeline and the REST API.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Storage } from './storage.ts';
import { Compute } from './compute.ts';
import { Pipeline } from './pipeline.ts';
import { Api } from './api.ts';
import { acknowledge } from './nag.ts';

export const DEFAULT_SCHEDULE_CRON = 'cron(0 22 ? * MON-FRI *)';

export interface VarstreamStackProps extends StackProps {
  /** EventBridge cron for scheduled re-runs (cdk.json context `scheduleCron`) */
  scheduleCron?: string;
  /** portfolio ids re-run on the schedule (context `portfolios`) */
  portfolios?: string[];
  /** shards up to this count use the inline Map (context `inlineShardLimit`, default 40) */
  inlineShardLimit?: number;
  /** Distributed Map concurrency (context `maxConcurrency`, default 100) */
  maxConcurrency?: number;
  simulateReservedConcurrency?: number;
  /** keep bucket and table on stack deletion (context `retainData`, default true) */
  retainData?: boolean;
  /** create the account-wide API Gateway CloudWatch role (context `apiGatewayCloudWatchRole`, default false) */
  apiGatewayCloudWatchRole?: boolean;
}

export class VarstreamStack extends Stack {
  readonly storage: Storage;
  readonly compute: Compute;
  readonly pipeline: Pipeline;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: VarstreamStackProps = {}) {
    super(scope, id, props);
    const inlineShardLimit = props.inlineShardLimit ?? 40;
    this.storage = new Storage(this, 'Storage', { retain: props.retainData ?? true });
    this.compute = new Compute(this, 'Compute', {
      bucket: this.storage.bucket,
      table: this.storage.table,
      idempotencyTable: this.storage.idempotencyTable,
      inlineShardLimit,
      portfolios: props.portfolios ?? [],
      simulateReservedConcurrency: props.simulateReservedConcurrency,
    });
    this.pipeline = new Pipeline(this, 'Pipeline', {
      bucket: this.storage.bucket,
      compute: this.compute,
      inlineShardLimit,
      maxConcurrency: props.maxConcurrency ?? 100,
      scheduleCron: props.scheduleCron ?? DEFAULT_SCHEDULE_CRON,
    });
    this.api = new Api(this, 'Api', { handler: this.compute.api, cloudWatchRole: props.apiGatewayCloudWatchRole ?? false });
    // every function here (ours and CDK's S3 notifications helper) uses it
    acknowledge(
      this,
      ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'],
      'AWSLambdaBasicExecutionRole only lets a function write its own CloudWatch Logs.',
    );

    new CfnOutput(this, 'BucketName', { value: this.storage.bucket.bucketName });
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.storage.idempotencyTable.tableName });
    new CfnOutput(this, 'StateMachineArn', { value: this.pipeline.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url });
  }
}

/** Reads the stack's settings from CDK context (cdk.json or `-c key=value`). */
export function propsFromContext(tryGet: (key: string) => unknown): VarstreamStackProps {
  const list = (v: unknown): string[] | undefined =>
    v === undefined ? undefined : Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim()).filter(Boolean);
  const num = (v: unknown): number | undefined => (v === undefined || v === '' ? undefined : Number(v));
  const bool = (v: unknown): boolean | undefined => (v === undefined ? undefined : v === true || v === 'true');
  return {
    scheduleCron: (tryGet('scheduleCron') as string | undefined) ?? DEFAULT_SCHEDULE_CRON,
    portfolios: list(tryGet('portfolios')) ?? [],
    inlineShardLimit: num(tryGet('inlineShardLimit')),
    maxConcurrency: num(tryGet('maxConcurrency')),
    simulateReservedConcurrency: num(tryGet('simulateReservedConcurrency')),
    retainData: bool(tryGet('retainData')),
    apiGatewayCloudWatchRole: bool(tryGet('apiGatewayCloudWatchRole')),
  };
}
