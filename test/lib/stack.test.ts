// The stack's properties, asserted on the synthesized template (synthesized once: esbuild bundling is the slow part),
// the state machine definition through asl-validator, and cdk-nag AwsSolutions with no unacknowledged finding.
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { VarstreamStack, propsFromContext, DEFAULT_SCHEDULE_CRON } from '../../lib/varstream-stack.ts';
import { RETRYABLE_LAMBDA_ERRORS, RUN_ENDED_STATUSES } from '../../lib/pipeline.ts';
import { renderTokens } from '../../lambdas/local/definition.ts';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errors: unknown[] };

let stack: VarstreamStack;
let template: Template;
let definition: any;

/** Renders Fn::Join/Ref/GetAtt of the DefinitionString with placeholder ARNs, so the ASL can be validated. */
const render = (v: any): string =>
  renderTokens(v, ({ logicalId }) => (logicalId.startsWith('AWS::') ? 'aws' : `arn:aws:lambda:us-east-1:123456789012:function:${logicalId}`));

beforeAll(() => {
  // skip esbuild bundling here (asset hashes only): `npx cdk synth` bundles for real
  const app = new App({ context: { portfolios: 'tech,fund-a', 'aws:cdk:bundling-stacks': [] } });
  stack = new VarstreamStack(app, 'Test', { ...propsFromContext((k) => app.node.tryGetContext(k)), env: { account: '123456789012', region: 'us-east-1' } });
  template = Template.fromStack(stack);
  const sm = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as any;
  definition = JSON.parse(render(sm.Properties.DefinitionString));
}, 120_000);

const states = (): Record<string, any> => {
  const all: Record<string, any> = {};
  const walk = (d: any) => {
    for (const [name, s] of Object.entries<any>(d.States)) {
      all[name] = s;
      if (s.ItemProcessor) walk(s.ItemProcessor);
    }
  };
  walk(definition);
  return all;
};

describe('storage', () => {
  it('uploads bucket: public access blocked, encrypted, versioned, EventBridge, access logs, partials expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'uploads-bucket/' }),
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'partials/', ExpirationInDays: 7, Status: 'Enabled' })]) },
    });
    template.resourceCountIs('AWS::S3::Bucket', 2);
    // CDK turns EventBridge delivery on through its bucket-notifications custom resource
    template.hasResourceProperties('Custom::S3BucketNotifications', { NotificationConfiguration: { EventBridgeConfiguration: {} } });
  });
  it('both buckets refuse non-TLS requests', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')) as any[];
    expect(policies).toHaveLength(2);
    for (const p of policies)
      expect(p.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
  });
  it('runs table: on-demand, PITR, encrypted, GSI byPortfolio (portfolioId, createdAt)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      KeySchema: [{ AttributeName: 'runId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byPortfolio',
          KeySchema: [{ AttributeName: 'portfolioId', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }],
        }),
      ],
    });
  });
});

describe('idempotency table', () => {
  it('on-demand, PITR, encrypted, key id, TTL on expiration; only the API function reads and writes it', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('REST API'),
      Environment: { Variables: Match.objectLike({ VARSTREAM_IDEMPOTENCY_TABLE: Match.anyValue() }) },
    });
    const [idemId] = Object.keys(template.findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } }));
    const users = Object.entries<any>(template.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes(`"${idemId}"`))
      .map(([id]) => id);
    expect(users).toEqual([expect.stringMatching(/^ComputeApi/)]);
  });
});

describe('functions', () => {
  it('six functions on nodejs22.x arm64; Simulate has 1769 MB (one vCPU)', () => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } });
    expect(Object.keys(fns)).toHaveLength(6);
    for (const f of Object.values<any>(fns)) {
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.Environment.Variables).toMatchObject({ VARSTREAM_BUCKET: expect.anything(), VARSTREAM_TABLE: expect.anything() });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('one shard'), MemorySize: 1769 });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('REST API'), Timeout: 29 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('one execution per upload'),
      Environment: { Variables: Match.objectLike({ VARSTREAM_PORTFOLIOS: 'tech,fund-a', VARSTREAM_STATE_MACHINE_ARN: Match.anyValue() }) },
    });
  });
  it('no policy grants a wildcard action on a wildcard resource, and only Trigger and Api may start executions', () => {
    const policies = Object.entries<any>(template.findResources('AWS::IAM::Policy'));
    const starters: string[] = [];
    for (const [id, p] of policies) {
      for (const s of p.Properties.PolicyDocument.Statement) {
        const actions = [s.Action].flat();
        const resources = [s.Resource].flat();
        expect(actions.includes('*') && resources.includes('*'), id).toBe(false);
        expect(actions.some((a: string) => a.endsWith(':*')), `${id} ${actions}`).toBe(false);
        if (actions.includes('states:StartExecution')) starters.push(id);
      }
    }
    // (plus the state machine's own Distributed Map policy: it starts its child executions)
    expect(starters.sort()).toEqual([
      expect.stringMatching(/^ComputeApi/),
      expect.stringMatching(/^ComputeTrigger/),
      expect.stringMatching(/^PipelineStateMachineDistributedMapPolicy/),
    ]);
  });
  it('every IAM statement, action by action, as the README table says', () => {
    // CloudFormation values → readable text: <Uploads>/uploads/* for the bucket's objects, <Runs>/index/byPortfolio …
    const name = (id: string) => id.replace(/[0-9A-F]{8}$/, '').replace(/^(Storage|Compute|Pipeline)/, '');
    const text = (v: any): string => {
      if (typeof v === 'string') return v;
      if (v['Fn::GetAtt']) return `<${name(v['Fn::GetAtt'][0])}>`;
      if (v.Ref) return v.Ref.startsWith('AWS::') ? v.Ref.slice(5).toLowerCase() : `<${name(v.Ref)}>`;
      if (v['Fn::Join']) return v['Fn::Join'][1].map(text).join(v['Fn::Join'][0]);
      if (v['Fn::Select']) return '<name>';
      throw new Error(`cannot render ${JSON.stringify(v)}`);
    };
    const role = (id: string) =>
      id
        .replace(/^Compute(\w+?)ServiceRoleDefaultPolicy\w+$/, '$1')
        .replace(/^PipelineStateMachineRoleDefaultPolicy\w+$/, 'StateMachine')
        .replace(/^PipelineStateMachineDistributedMapPolicy\w+$/, 'DistributedMap')
        .replace(/^StorageUploadsNotificationsHandlerPolicy\w+$/, 'S3Notifications');
    const actual = Object.fromEntries(
      Object.entries<any>(template.findResources('AWS::IAM::Policy')).map(([id, p]) => [
        role(id),
        p.Properties.PolicyDocument.Statement.map((st: any) => {
          expect(st.Effect).toBe('Allow');
          const cond = st.Condition ? ` if ${JSON.stringify(st.Condition)}` : '';
          return `${[st.Action].flat().join(' ')} on ${[st.Resource].flat().map(text).join(' ')}${cond}`;
        }),
      ]),
    );
    const B = '<Uploads>';
    const list = (...prefixes: string[]) => `s3:ListBucket on ${B} if ${JSON.stringify({ StringLike: { 's3:prefix': prefixes.map((p) => `${p}/*`) } })}`;
    const fn = (n: string) => `<${n}> <${n}>:*`;
    expect(actual).toEqual({
      Fit: [
        `s3:GetObject s3:GetObjectVersion on ${B}/uploads/* ${B}/inline/*`,
        `s3:GetObject on ${B}/config/*`,
        list('uploads', 'inline', 'config'),
        `s3:PutObject on ${B}/partials/*`,
        'dynamodb:PutItem dynamodb:GetItem on <Runs>',
      ],
      Simulate: [`s3:PutObject on ${B}/partials/*`],
      Reduce: [
        `s3:GetObject on ${B}/partials/* ${B}/reports/*`,
        list('reports'),
        `s3:PutObject on ${B}/results/* ${B}/reports/*`,
        'dynamodb:UpdateItem on <Runs>',
        'dynamodb:Query on <Runs>/index/byPortfolio',
      ],
      Fail: ['dynamodb:UpdateItem on <Runs>'],
      Trigger: [`s3:GetObject on ${B}/uploads/*`, list('uploads'), 'dynamodb:PutItem dynamodb:GetItem on <Runs>', 'states:StartExecution on <StateMachine>'],
      Api: [
        `s3:PutObject on ${B}/inline/*`,
        `s3:GetObject on ${B}/uploads/* ${B}/results/* ${B}/reports/*`,
        list('uploads', 'reports'),
        'dynamodb:GetItem dynamodb:PutItem on <Runs>',
        'dynamodb:Query on <Runs>/index/byPortfolio',
        'dynamodb:GetItem dynamodb:PutItem dynamodb:UpdateItem dynamodb:DeleteItem on <Idempotency>',
        'states:StartExecution on <StateMachine>',
      ],
      StateMachine: [
        ...['Fit', 'Reduce', 'Fail', 'Simulate'].map((n) => `lambda:InvokeFunction on ${fn(n)}`),
        'logs:CreateLogDelivery logs:GetLogDelivery logs:UpdateLogDelivery logs:DeleteLogDelivery logs:ListLogDeliveries logs:PutResourcePolicy logs:DescribeResourcePolicies logs:DescribeLogGroups on *',
        'xray:PutTraceSegments xray:PutTelemetryRecords xray:GetSamplingRules xray:GetSamplingTargets on *',
        `s3:GetObject on ${B}/partials/*`,
      ],
      DistributedMap: [
        'states:StartExecution on <StateMachine>',
        'states:DescribeExecution states:StopExecution on arn:partition:states:us-east-1:123456789012:execution:<name>:*',
        'states:RedriveExecution on arn:partition:states:us-east-1:123456789012:execution:<name>/*:*',
      ],
      S3Notifications: [`s3:PutBucketNotification on ${B}`],
    });
  });
  it('no account-level API Gateway role unless the context asks for one', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    const app = new App({ context: { apiGatewayCloudWatchRole: 'true', 'aws:cdk:bundling-stacks': [] } });
    const withRole = new VarstreamStack(app, 'WithRole', propsFromContext((k) => app.node.tryGetContext(k)));
    Template.fromStack(withRole).resourceCountIs('AWS::ApiGateway::Account', 1);
  });
  it('no function may delete an object: uploads are kept, partials expire by lifecycle', () => {
    for (const [id, p] of Object.entries<any>(template.findResources('AWS::IAM::Policy'))) {
      const actions = p.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat());
      expect(actions.filter((a: string) => /^s3:Delete/.test(a)), id).toEqual([]);
    }
  });
});

describe('state machine', () => {
  it('is a valid Standard state machine per asl-validator, with logging and tracing', () => {
    const { isValid, errors } = aslValidator(definition);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });
  it('Fit → Choice → inline Map | Distributed Map → Reduce', () => {
    const s = states();
    expect(definition.StartAt).toBe('Fit');
    expect(s.Fit.Next).toBe('HowManyShards');
    expect(s.HowManyShards.Choices[0]).toMatchObject({ Variable: '$.descriptorsKey', IsPresent: true, Next: 'ShardsDistributed' });
    expect(s.HowManyShards.Default).toBe('Shards');
    expect(s.Shards).toMatchObject({ Type: 'Map', ItemsPath: '$.descriptors', MaxConcurrency: 40, ResultPath: '$.partials' });
    expect(s.ShardsDistributed).toMatchObject({ Type: 'Map', MaxConcurrency: 100, ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } } });
    expect(s.ShardsDistributed.ItemReader).toMatchObject({ ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Key.$': '$.descriptorsKey' } });
    expect(s.ReduceInput.Next).toBe('Reduce');
    // Reduce's field lists are the RunRef plus what Reduce needs, written once (lambdas/contracts/steps.ts)
    const run = { 'runId.$': '$.runId', 'portfolioId.$': '$.portfolioId', 'input.$': '$.input', 'createdAt.$': '$.createdAt' };
    expect(s.ReduceInputDistributed.Parameters).toEqual({ ...run, 'shardCount.$': '$.shardCount', 'contextKey.$': '$.contextKey' });
    expect(s.ReduceInput.Parameters).toEqual({ ...run, 'shardCount.$': '$.shardCount', 'contextKey.$': '$.contextKey', 'partials.$': '$.partials' });
    expect(s.Reduce.Next).toBe('RunSucceeded');
  });
  it('every Lambda step retries only Lambda service errors with backoff; InputError is never retried', () => {
    const s = states();
    for (const name of ['Fit', 'Simulate', 'SimulateDistributed', 'Reduce', 'RecordFailure']) {
      expect(s[name].Retry, name).toEqual([
        expect.objectContaining({ ErrorEquals: RETRYABLE_LAMBDA_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: 'FULL' }),
      ]);
      expect(JSON.stringify(s[name].Retry)).not.toMatch(/InputError|States\.ALL/);
    }
  });
  it('every Lambda task has a task timeout of its function timeout + 30 s', () => {
    const s = states();
    const fnTimeout = (re: RegExp) => Object.values<any>(template.findResources('AWS::Lambda::Function')).find((f) => re.test(f.Properties.Description ?? ''))!.Properties.Timeout;
    expect(fnTimeout(/record a FAILED/)).toBe(30);
    expect(s.RecordFailure.TimeoutSeconds).toBe(60);
    for (const name of ['Fit', 'Simulate', 'SimulateDistributed', 'Reduce']) expect(s[name].TimeoutSeconds, name).toBe(300 + 30);
    expect(fnTimeout(/one shard/)).toBe(300);
    expect(definition.TimeoutSeconds).toBe(7200);
  });
  it('every step catches into RecordFailure (FAILED with the message), then fails the execution', () => {
    const s = states();
    for (const name of ['Fit', 'Shards', 'ShardsDistributed', 'Reduce'])
      expect(s[name].Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }]);
    expect(s.RecordFailure.Parameters).toEqual({ 'runId.$': '$.runId', 'portfolioId.$': '$.portfolioId', 'input.$': '$.input', 'createdAt.$': '$.createdAt', 'error.$': '$.error' });
    expect(s.RecordFailure.Next).toBe('RunFailed');
    // Fail's answer is dropped, so RunFailed still finds the Catch's $.error.Error/Cause (else: States.Runtime)
    expect(s.RecordFailure.ResultPath).toBeNull();
    expect(s.RunFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    expect(s.RunFailed.Type).toBe('Fail');
  });
});

describe('events', () => {
  it('Object Created under uploads/ of the bucket → Trigger; the schedule uses the default cron', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: 'uploads/' }] } },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: DEFAULT_SCHEDULE_CRON });
  });
  it('an execution that times out, is aborted or fails outside a Catch → Fail (the run never stays RUNNING)', () => {
    const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } });
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = Object.values<any>(rules)[0];
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ Ref: expect.stringMatching(/^PipelineStateMachine/) }], status: ['TIMED_OUT', 'ABORTED', 'FAILED'] },
    });
    expect(RUN_ENDED_STATUSES).toEqual(['TIMED_OUT', 'ABORTED', 'FAILED']);
    const [target] = rule.Properties.Targets;
    expect(target.Arn['Fn::GetAtt'][0]).toMatch(/^ComputeFail/);
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 8 });
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [target.Arn['Fn::GetAtt'][0], 'Arn'] } });
    expect(DEFAULT_SCHEDULE_CRON).toBe('cron(0 22 ? * MON-FRI *)');
  });
});

describe('REST API', () => {
  it('every method is AWS_IAM-authorized; POST /runs validates its body against a JSON schema model', () => {
    const methods = Object.values<any>(template.findResources('AWS::ApiGateway::Method'));
    const real = methods.filter((m) => m.Properties.HttpMethod !== 'OPTIONS');
    expect(real).toHaveLength(6);
    for (const m of real) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
    const paths = Object.values<any>(template.findResources('AWS::ApiGateway::Resource')).map((r) => r.Properties.PathPart);
    expect(paths.sort()).toEqual(['history', 'portfolios', 'report', 'runs', 'runs', '{portfolioId}', '{runId}'].sort());
    const post = real.find((m) => m.Properties.HttpMethod === 'POST');
    expect(post.Properties.RequestValidatorId).toBeDefined();
    expect(post.Properties.RequestModels).toEqual({ 'application/json': expect.anything() });
    expect(post.Properties.RequestParameters).toEqual({ 'method.request.header.Idempotency-Key': false });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({ required: ['portfolioId'], additionalProperties: false }),
    });
  });
  it('stage throttling and access logging', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })],
    });
  });
});

describe('cdk-nag', () => {
  it('AwsSolutions reports no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`);
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});
