// DynamoDB key schemas shared by the CDK tables (lib/storage.ts) and the runtime's CreateTable on the local stack.

/** The runs table: one item per run, and the GSI that lists a portfolio's runs newest first. */
export const RUNS_TABLE = {
  partitionKey: { name: 'runId', type: 'S' },
  attributeDefinitions: [
    { name: 'runId', type: 'S' },
    { name: 'portfolioId', type: 'S' },
    { name: 'createdAt', type: 'S' },
  ],
  byPortfolio: {
    indexName: 'byPortfolio',
    partitionKey: { name: 'portfolioId', type: 'S' },
    sortKey: { name: 'createdAt', type: 'S' },
    // the list view needs the summary, not the (possibly 300 KB) result; key attributes (runId too) are always projected
    nonKeyAttributes: ['status', 'finishedAt', 'input', 'error', 'var99', 'es99', 'simulations', 'reportKey'],
  },
} as const;

/** Powertools' default attribute names: the key `id`, and `expiration` (epoch seconds) as the table's TTL attribute. */
export const IDEMPOTENCY_TABLE = { partitionKey: 'id', expiryAttribute: 'expiration' } as const;
