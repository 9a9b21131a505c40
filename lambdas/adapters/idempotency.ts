// Idempotency records of POST /runs (the Idempotency-Key header): Powertools' DynamoDB persistence layer on a small
// table of its own. Same code on AWS and on dynalite (which does not return the old item on a failed condition;
// Powertools then reads it with a GetItem, so replays still find the stored answer).
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IDEMPOTENCY_TABLE } from '../contracts/tables.ts';
import { makeDynamoClient } from './clients.ts';

export type IdempotencyStore = BasePersistenceLayer;

/** How long a key's answer is replayed: a client's retries come within minutes, a day is generous. */
export const IDEMPOTENCY_EXPIRY_SECONDS = 24 * 3600;

/** CreateTable input for dynalite/DynamoDB Local (the CDK builds the same from IDEMPOTENCY_TABLE, plus TTL). */
export function createIdempotencyTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' as const }],
    KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' as const }],
  };
}

export function makeIdempotencyStore(tableName: string, client: DynamoDBClient = makeDynamoClient()): IdempotencyStore {
  return new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client, keyAttr: IDEMPOTENCY_TABLE.partitionKey, expiryAttr: IDEMPOTENCY_TABLE.expiryAttribute });
}
