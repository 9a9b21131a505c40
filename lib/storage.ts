// Uploads bucket (CSV in, partials, results and reports out), the runs table and the API's idempotency table.
// reports/ has no lifecycle rule on purpose: a run's report lives as long as its DynamoDB record.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';
import { IDEMPOTENCY_TABLE, RUNS_TABLE } from '../lambdas/contracts/tables.ts';

export interface StorageProps {
  /** days a shard partial lives: they are only needed until Reduce ran */
  partialsExpiryDays?: number;
  /** keep data on stack deletion (default true: run history and uploads are the user's data) */
  retain?: boolean;
}

export class Storage extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly table: dynamodb.Table;
  /** Powertools idempotency records of POST /runs; DynamoDB's TTL deletes them after `expiration` */
  readonly idempotencyTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.retain === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy,
    });
    acknowledge(this.logBucket, ['AwsSolutions-S1'], 'This is the access-log bucket itself; logging it into itself would loop.');

    this.bucket = new s3.Bucket(this, 'Uploads', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true, // the version id names the run: a re-upload is a new run, a duplicate event is not
      eventBridgeEnabled: true, // Object Created → EventBridge rule → Trigger
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'uploads-bucket/',
      lifecycleRules: [
        { id: 'expire-partials', prefix: 'partials/', expiration: Duration.days(props.partialsExpiryDays ?? 7), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'expire-noncurrent-uploads', prefix: 'uploads/', noncurrentVersionExpiration: Duration.days(365) },
        { id: 'abort-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
      autoDeleteObjects: false,
    });

    const g = RUNS_TABLE.byPortfolio;
    this.table = new dynamodb.Table(this, 'Runs', {
      partitionKey: { name: RUNS_TABLE.partitionKey.name, type: RUNS_TABLE.partitionKey.type as dynamodb.AttributeType },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: g.indexName,
      partitionKey: { name: g.partitionKey.name, type: g.partitionKey.type as dynamodb.AttributeType },
      sortKey: { name: g.sortKey.name, type: g.sortKey.type as dynamodb.AttributeType },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...g.nonKeyAttributes],
    });

    this.idempotencyTable = new dynamodb.Table(this, 'Idempotency', {
      partitionKey: { name: IDEMPOTENCY_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TABLE.expiryAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // only replay records (at most a day old): nothing to keep when the stack goes
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
