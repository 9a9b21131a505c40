// The Step Functions pipeline: Fit → (inline Map | Distributed Map) over shard descriptors → Simulate → Reduce,
// every step caught into Fail. Started by the Trigger function for uploads (EventBridge) and on a schedule.
// An execution-level end (the 2 h timeout, StopExecution, a runtime failure outside any Catch) runs no Catch: an
// EventBridge rule on the execution's status change sends it to the same Fail function, so no run stays RUNNING.
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { failInputSchema, reduceInputSchema, reduceRefSchema, stateFields } from '../lambdas/contracts/steps.ts';
import { acknowledge, logicalId } from './nag.ts';
import { ENV, type Compute } from './compute.ts';

/** Transient Lambda-side errors worth retrying; an InputError (the user's file) is never retried. */
export const RETRYABLE_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** Execution statuses that end a run without (necessarily) passing through the Catch. */
export const RUN_ENDED_STATUSES = ['TIMED_OUT', 'ABORTED', 'FAILED'] as const;

/** The state machine's whole-execution timeout (the status-change rule records it as FAILED). */
export const EXECUTION_TIMEOUT = Duration.hours(2);

/** Step Functions task timeout of a Lambda task: the function's timeout plus 30 s for the invoke round trip. */
export function taskTimeout(fn: lambda.Function): Duration {
  return Duration.seconds((fn.timeout ?? Duration.seconds(3)).toSeconds() + 30);
}

export interface PipelineProps {
  bucket: s3.IBucket;
  compute: Compute;
  inlineShardLimit: number;
  /** Distributed Map child concurrency: the real cap on simultaneous Simulate invocations */
  maxConcurrency: number;
  /** EventBridge cron expression, e.g. `cron(0 22 ? * MON-FRI *)` */
  scheduleCron: string;
}

export class Pipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly uploadRule: events.Rule;
  readonly scheduleRule: events.Rule;
  readonly runEndedRule: events.Rule;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { compute, bucket } = props;

    const invoke = (name: string, fn: lambda.Function, comment: string, payload?: sfn.TaskInput, resultPath?: string): tasks.LambdaInvoke => {
      const task = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn,
        comment,
        payload,
        resultPath,
        // the function's own timeout plus a margin for the invoke itself: a lost invocation ends as States.Timeout
        taskTimeout: sfn.Timeout.duration(taskTimeout(fn)),
        payloadResponseOnly: true, // the state is the function's return value, no SDK envelope
        retryOnServiceExceptions: false, // replaced by the explicit retry below
      });
      task.addRetry({
        errors: RETRYABLE_LAMBDA_ERRORS,
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.seconds(60),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    const recordFailure = invoke(
      'RecordFailure',
      compute.fail,
      'Write FAILED with the error message (conditional: never overwrites a finished run)',
      sfn.TaskInput.fromObject(stateFields(failInputSchema)),
      // Fail's answer is dropped: RunFailed reads the Catch's $.error (the user's Error and Cause) from the state
      sfn.JsonPath.DISCARD,
    );

    const failed = new sfn.Fail(this, 'RunFailed', { causePath: '$.error.Cause', errorPath: '$.error.Error' });
    recordFailure.next(failed);
    const catchAll = { errors: ['States.ALL'], resultPath: '$.error' };

    const fit = invoke('Fit', compute.fit, 'Read the CSV, fit, screen, plan the shards; writes RUNNING');
    fit.addCatch(recordFailure, catchAll);

    // each Map runs Simulate once per descriptor; a failed shard fails the run
    const shardsOf = <M extends sfn.Map | sfn.DistributedMap>(map: M, simulate: sfn.IChainable): M => {
      map.itemProcessor(simulate);
      map.addCatch(recordFailure, catchAll);
      return map;
    };
    const descriptor = { 'descriptor.$': '$$.Map.Item.Value' };
    const inlineMap = shardsOf(
      new sfn.Map(this, 'Shards', {
        comment: 'Small runs: descriptors inline in the state',
        itemsPath: '$.descriptors',
        itemSelector: descriptor,
        maxConcurrency: props.inlineShardLimit,
        resultPath: '$.partials',
      }),
      invoke('Simulate', compute.simulate, 'One shard: its tail and running sums'),
    );

    const distributedMap = new sfn.DistributedMap(this, 'ShardsDistributed', {
      comment: 'Large runs: descriptors read from S3, partials written to S3 (the state never holds them all)',
      // bucketNamePath (not bucket) so CDK adds no bucket/* grant; the role reads partials/* only (granted below)
      itemReader: new sfn.S3JsonItemReader({ bucketNamePath: bucket.bucketName, key: sfn.JsonPath.stringAt('$.descriptorsKey') }),
      itemSelector: { ...descriptor, persist: true },
      maxConcurrency: props.maxConcurrency,
      mapExecutionType: sfn.StateMachineType.EXPRESS,
      resultPath: sfn.JsonPath.DISCARD,
    });
    // the child execution type is DistributedMap's mapExecutionType (ProcessorConfig.executionType is ignored there)
    shardsOf(distributedMap, invoke('SimulateDistributed', compute.simulate, 'One shard; the partial is written to S3'));

    const reduce = invoke('Reduce', compute.reduce, 'Merge tails, VaR/ES, attribution, stress; writes SUCCEEDED');
    reduce.addCatch(recordFailure, catchAll);
    // Reduce's input drops the descriptors (they can be 100s of KB), keeps what it needs: the fields of its schema
    const reduceInput = new sfn.Pass(this, 'ReduceInput', {
      comment: 'Keep only what Reduce needs',
      parameters: stateFields(reduceInputSchema),
    });
    const reduceInputDistributed = new sfn.Pass(this, 'ReduceInputDistributed', {
      comment: 'Partials are in S3 under partials/<runId>/',
      parameters: stateFields(reduceRefSchema),
    });
    reduceInput.next(reduce);
    reduceInputDistributed.next(reduce);
    inlineMap.next(reduceInput);
    distributedMap.next(reduceInputDistributed);

    const choose = new sfn.Choice(this, 'HowManyShards', { comment: `Inline Map up to ${props.inlineShardLimit} shards` })
      .when(sfn.Condition.isPresent('$.descriptorsKey'), distributedMap)
      .otherwise(inlineMap);

    const definition = fit.next(choose);
    reduce.next(new sfn.Succeed(this, 'RunSucceeded'));

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: EXECUTION_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'varstream: one execution per run (execution name = runId)',
    });

    // the Distributed Map's JSON item reader gets one object (descriptors.json): GetObject, no listing
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('partials/*')] }));

    for (const fn of [compute.trigger, compute.api]) {
      this.stateMachine.grantStartExecution(fn);
      (fn as unknown as { addEnvironment(k: string, v: string): void }).addEnvironment(ENV.stateMachineArn, this.stateMachine.stateMachineArn);
    }

    // Object Created under uploads/ → Trigger (hashes bucket/key/version into the execution name: one run per upload)
    this.uploadRule = new events.Rule(this, 'UploadRule', {
      description: 'varstream: a CSV uploaded under uploads/ starts a run',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [bucket.bucketName] }, object: { key: [{ prefix: 'uploads/' }] } },
      },
      targets: [new targets.LambdaFunction(compute.trigger, { retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });

    this.scheduleRule = new events.Rule(this, 'ScheduleRule', {
      description: 'varstream: re-run the latest upload of each configured portfolio',
      schedule: events.Schedule.expression(props.scheduleCron),
      targets: [new targets.LambdaFunction(compute.trigger, { retryAttempts: 2 })],
    });

    // TIMED_OUT / ABORTED / FAILED execution → Fail (runId = execution name). Conditional in the run store: the Catch's
    // FAILED (more precise message) or a SUCCEEDED run is never overwritten.
    this.runEndedRule = new events.Rule(this, 'RunEndedRule', {
      description: 'varstream: an execution that timed out, was aborted or failed records its run FAILED',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: [...RUN_ENDED_STATUSES] },
      },
      targets: [new targets.LambdaFunction(compute.fail, { retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });

    // Findings are acknowledged one by one (cdk-nag v3 has no rule-wide suppression), each with its reason.
    const stack = Stack.of(this);
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const smName = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId(this.stateMachine)}"}]}]}`;
    acknowledge(
      this.stateMachine,
      [compute.fit, compute.simulate, compute.reduce, compute.fail].map((fn) => `AwsSolutions-IAM5[Resource::<${logicalId(fn)}.Arn>:*]`),
      'CDK-generated: invoking a function by ARN also covers its versions and aliases (fn:*).',
    );
    acknowledge(this.stateMachine, ['AwsSolutions-IAM5[Resource::*]'], 'X-Ray and CloudWatch Logs delivery actions only accept Resource *.');
    acknowledge(
      this.stateMachine,
      [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${smName}:*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${smName}/*:*]`,
      ],
      "CDK-generated Distributed Map policy: the state machine manages its own child executions, whose names are not known in advance.",
    );
    acknowledge(
      this.stateMachine,
      [`AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/partials/*]`],
      'The Distributed Map reads shard descriptors from partials/* of the one bucket.',
    );
  }
}
