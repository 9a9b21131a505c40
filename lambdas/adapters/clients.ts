// AWS SDK client factories. Endpoints come from the environment only, so the same code talks to AWS in Lambda and to
// s3rver/dynalite on a laptop or in tests. Credentials always come from the SDK's default chain (never from here).
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';

type Env = Record<string, string | undefined>;

/**
 * Retries of transient AWS errors (throttling, 5xx, timeouts, dropped connections), set explicitly on every client:
 * up to 5 attempts with exponential backoff and full jitter; 'adaptive' also slows this client down on throttling.
 * AWS_MAX_ATTEMPTS / AWS_RETRY_MODE (the SDK's own variable names) override them.
 */
export const RETRY = { maxAttempts: 5, retryMode: 'adaptive' } as const;

function retry(env: Env): { maxAttempts: number; retryMode: string } {
  const n = Number(env.AWS_MAX_ATTEMPTS);
  return {
    maxAttempts: Number.isInteger(n) && n >= 1 ? n : RETRY.maxAttempts,
    retryMode: env.AWS_RETRY_MODE === 'standard' || env.AWS_RETRY_MODE === 'adaptive' ? env.AWS_RETRY_MODE : RETRY.retryMode,
  };
}

function region(env: Env): string | undefined {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
}

/** The S3 endpoint override, if any: AWS_ENDPOINT_URL_S3 (the SDK's own name) or VARSTREAM_S3_ENDPOINT. */
export function s3Endpoint(env: Env = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.VARSTREAM_S3_ENDPOINT || undefined;
}

export function dynamoEndpoint(env: Env = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_DYNAMODB || env.VARSTREAM_DYNAMODB_ENDPOINT || undefined;
}

export function makeS3Client(env: Env = process.env): S3Client {
  const endpoint = s3Endpoint(env);
  return new S3Client({
    region: region(env),
    ...retry(env),
    ...(endpoint
      ? {
          endpoint,
          // local S3 servers have no virtual-host DNS
          forcePathStyle: true,
          // s3rver does not understand the flexible-checksum (aws-chunked) uploads newer SDKs send by default
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
}

export function makeDynamoClient(env: Env = process.env): DynamoDBClient {
  const endpoint = dynamoEndpoint(env);
  return new DynamoDBClient({ region: region(env), ...retry(env), ...(endpoint ? { endpoint } : {}) });
}

export function makeDocumentClient(env: Env = process.env, client: DynamoDBClient = makeDynamoClient(env)): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    // numbers we store as Number attributes are ours (var99, counts) and fit in a double
    unmarshallOptions: { wrapNumbers: false },
  });
}

export function makeSfnClient(env: Env = process.env): SFNClient {
  const endpoint = env.AWS_ENDPOINT_URL_SFN || env.VARSTREAM_SFN_ENDPOINT || undefined;
  return new SFNClient({ region: region(env), ...retry(env), ...(endpoint ? { endpoint } : {}) });
}
