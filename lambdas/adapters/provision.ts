// Creates what the CDK stack creates on AWS, for the local stack and tests: the bucket and the tables, when missing.
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    // s3rver does not implement bucket versioning: uploads are named by key + ETag instead (README, the local stack)
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

export async function ensureTable(client: DynamoDBClient, table: string, input: ConstructorParameters<typeof CreateTableCommand>[0]): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
    await client.send(new CreateTableCommand(input));
  }
}
