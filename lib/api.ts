// REST API: IAM (SigV4) authorization on every method, a JSON-schema model validating POST /runs, throttling and
// access logs. One proxy Lambda serves the routes (the same routing function the local stack serves over node:http).
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';
import { runRequestJsonSchema } from '../lambdas/contracts/run-request.ts';

export interface ApiProps {
  handler: lambda.IFunction;
  /** steady-state requests per second and burst for the whole stage */
  rateLimit?: number;
  burstLimit?: number;
  /**
   * Create the account-level API Gateway CloudWatch role (`AWS::ApiGateway::Account`). Off by default: that resource
   * replaces the logging role of every API in the account/region. Context `apiGatewayCloudWatchRole=true` for an
   * account that has none yet (the stage's logs need one).
   */
  cloudWatchRole?: boolean;
}

export class Api extends Construct {
  readonly restApi: apigw.RestApi;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
    this.restApi = new apigw.RestApi(this, 'RestApi', {
      restApiName: 'varstream',
      description: 'varstream runs: POST /runs, GET /runs/{runId}, GET /runs/{runId}/report, GET /portfolios/{portfolioId}/runs, GET /portfolios/{portfolioId}/history, GET /',
      cloudWatchRole: props.cloudWatchRole ?? false,
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        throttlingRateLimit: props.rateLimit ?? 20,
        throttlingBurstLimit: props.burstLimit ?? 40,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
      },
      // inline CSV bodies are capped at 1 MB by the handler (413); API Gateway's own cap is 10 MB
      binaryMediaTypes: [],
    });
    const integration = new apigw.LambdaIntegration(props.handler, { proxy: true });

    const runModel = this.restApi.addModel('RunRequest', {
      contentType: 'application/json',
      modelName: 'RunRequest',
      schema: gatewaySchema(runRequestJsonSchema()),
    });
    const bodyValidator = this.restApi.addRequestValidator('BodyValidator', { validateRequestBody: true, validateRequestParameters: true });
    const paramsValidator = this.restApi.addRequestValidator('ParamsValidator', { validateRequestBody: false, validateRequestParameters: true });

    const runs = this.restApi.root.addResource('runs');
    runs.addMethod('POST', integration, {
      requestValidator: bodyValidator,
      requestModels: { 'application/json': runModel },
      // a client retrying with the same key gets the same runId (Powertools idempotency in the API function)
      requestParameters: { 'method.request.header.Idempotency-Key': false },
    });
    const run = runs.addResource('{runId}');
    run.addMethod('GET', integration, {
      requestValidator: paramsValidator,
      requestParameters: { 'method.request.path.runId': true },
    });
    // the run's HTML report (text/html through the Lambda proxy)
    run.addResource('report').addMethod('GET', integration, {
      requestValidator: paramsValidator,
      requestParameters: { 'method.request.path.runId': true },
    });
    const portfolio = this.restApi.root.addResource('portfolios').addResource('{portfolioId}');
    portfolio.addResource('runs').addMethod('GET', integration, {
      requestValidator: paramsValidator,
      requestParameters: { 'method.request.path.portfolioId': true, 'method.request.querystring.limit': false },
    });
    // the VaR history page (HTML, or JSON with Accept: application/json) and the index of portfolios
    portfolio.addResource('history').addMethod('GET', integration, {
      requestValidator: paramsValidator,
      requestParameters: { 'method.request.path.portfolioId': true, 'method.request.header.Accept': false },
    });
    this.restApi.root.addMethod('GET', integration, {
      requestValidator: paramsValidator,
      requestParameters: { 'method.request.header.Accept': false },
    });

    acknowledge(this.restApi, ['AwsSolutions-APIG3'], 'IAM-authorized API for internal callers with stage throttling; attach a WAF web ACL in the account if it is exposed more widely.');
    acknowledge(this.restApi, ['AwsSolutions-COG4'], 'Authorization is IAM (SigV4), not Cognito: callers are roles in the account.');
    if (props.cloudWatchRole)
      acknowledge(
        this.restApi,
        ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]'],
        'The account-level API Gateway CloudWatch role uses AmazonAPIGatewayPushToCloudWatchLogs, the AWS-managed policy made for it.',
      );
  }
}

/** JSON Schema (draft-04) as the CDK spells it: `$schema` is `schema` (the CDK writes the `$` back at synth). */
function gatewaySchema(json: Record<string, unknown>): apigw.JsonSchema {
  const { $schema, ...rest } = json;
  return { schema: $schema as apigw.JsonSchemaVersion, ...rest } as apigw.JsonSchema;
}
