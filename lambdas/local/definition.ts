// The state machine the local stack executes: the Step Functions definition that `cdk synth` emits for AWS, taken
// from the real VarstreamStack built in-process (construct + token resolution, no asset bundling), once per process
// and settings. The CDK import and construction cost seconds, so the rendered definition is also cached on disk under
// node_modules/.cache/varstream, keyed by a hash of everything it is made from (lib/*.ts, lambdas/contracts/*.ts,
// cdk.json, this file, the aws-cdk-lib version, the settings): any change to the stack's code synthesizes again. CloudFormation tokens become
// placeholders: a Lambda task's Resource names the function (`…:function:varstream-fit`), so the local executor runs
// that function's own handler step.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/** The pipeline's Lambda functions, by the step name their handler module exports (lambdas/handlers/<step>.ts). */
export type LambdaStep = 'fit' | 'simulate' | 'reduce' | 'fail';
export const LAMBDA_STEPS: readonly LambdaStep[] = ['fit', 'simulate', 'reduce', 'fail'];

/** The Resource ARN of a Lambda task whose function runs `step` (the local stand-in for the function's Arn). */
export const lambdaArn = (step: LambdaStep): string => `arn:aws:lambda:us-east-1:000000000000:function:varstream-${step}`;

/** The step a task's Resource invokes, or undefined when it is not one of the pipeline's functions. */
export function stepOfResource(resource: string): LambdaStep | undefined {
  const m = /:function:varstream-([a-z]+)$/.exec(resource);
  return m && (LAMBDA_STEPS as readonly string[]).includes(m[1]) ? (m[1] as LambdaStep) : undefined;
}

export interface DefinitionSettings {
  /** the local uploads bucket (the Distributed Map's ItemReader reads from it) */
  bucket: string;
  inlineShardLimit: number;
  maxConcurrency?: number;
}

type Token = string | { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, Token[]] };

/** Renders a resolved DefinitionString (Fn::Join of text, Ref and Fn::GetAtt) with `name` for each reference. */
export function renderTokens(value: Token, name: (ref: { logicalId: string; attribute?: string }) => string): string {
  if (typeof value === 'string') return value;
  if (value['Fn::Join']) return value['Fn::Join'][1].map((v) => renderTokens(v, name)).join(value['Fn::Join'][0]);
  if (value.Ref) return value.Ref === 'AWS::Partition' ? 'aws' : name({ logicalId: value.Ref });
  if (value['Fn::GetAtt']) return name({ logicalId: value['Fn::GetAtt'][0], attribute: value['Fn::GetAtt'][1] });
  throw new Error(`state machine definition: cannot render ${JSON.stringify(value)}`);
}

const cache = new Map<string, Promise<StateMachineDefinition>>();

const ROOT = new URL('../../', import.meta.url);
const CACHE_DIR = new URL('node_modules/.cache/varstream/', ROOT);

/** A hash of everything the rendered definition is made from. */
function sourceHash(settings: DefinitionSettings): string {
  const hash = createHash('sha256').update(JSON.stringify([settings.bucket, settings.inlineShardLimit, settings.maxConcurrency ?? null]));
  // lib/ and the contracts it imports
  for (const dir of ['lib/', 'lambdas/contracts/']) {
    const url = new URL(dir, ROOT);
    for (const name of readdirSync(url).filter((f) => f.endsWith('.ts')).sort()) hash.update(dir + name).update(readFileSync(new URL(name, url)));
  }
  hash.update(readFileSync(new URL('cdk.json', ROOT))).update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(readFileSync(new URL('node_modules/aws-cdk-lib/package.json', ROOT)));
  return hash.digest('hex').slice(0, 32);
}

/** The synthesized definition for these settings (once per process; from the disk cache while the sources match). */
export function synthesizedDefinition(settings: DefinitionSettings): Promise<StateMachineDefinition> {
  const key = JSON.stringify([settings.bucket, settings.inlineShardLimit, settings.maxConcurrency ?? null]);
  let found = cache.get(key);
  if (!found) {
    found = cachedOrSynthesized(settings);
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

async function cachedOrSynthesized(settings: DefinitionSettings): Promise<StateMachineDefinition> {
  const file = new URL(`definition-${sourceHash(settings)}.json`, CACHE_DIR);
  try {
    return JSON.parse(readFileSync(file, 'utf-8')) as StateMachineDefinition;
  } catch {
    // not cached yet (or unreadable): synthesize
  }
  const definition = await synthesize(settings);
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = new URL(`${file.pathname.split('/').pop()}.${process.pid}.tmp`, CACHE_DIR);
    writeFileSync(tmp, JSON.stringify(definition));
    renameSync(tmp, file);
  } catch {
    // a read-only install: every process synthesizes
  }
  return definition;
}

/** Builds the stack in-process and renders its state machine's definition (no cache). */

export async function synthesize(settings: DefinitionSettings): Promise<StateMachineDefinition> {
  // imported here: aws-cdk-lib costs ~1–2 s to load, only the local stack and tests need it
  const [{ App }, sfn, lambda, { VarstreamStack, propsFromContext }, { readCdkContext }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/aws-stepfunctions'),
    import('aws-cdk-lib/aws-lambda'),
    import('../../lib/varstream-stack.ts'),
    import('./schedule.ts'),
  ]);
  // cdk.json's context, as `cdk synth` reads it, with the local stack's own shard settings over it
  const context = { ...readCdkContext().raw, inlineShardLimit: settings.inlineShardLimit, ...(settings.maxConcurrency ? { maxConcurrency: settings.maxConcurrency } : {}) };
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new VarstreamStack(app, 'VarstreamLocal', { ...propsFromContext((k) => app.node.tryGetContext(k)), env: { account: '000000000000', region: 'us-east-1' } });
  const names = new Map<string, string>();
  const { compute, storage } = stack;
  for (const step of LAMBDA_STEPS) names.set(stack.getLogicalId(compute[step].node.defaultChild as InstanceType<typeof lambda.CfnFunction>), lambdaArn(step));
  names.set(stack.getLogicalId(storage.bucket.node.defaultChild as never), settings.bucket);
  const cfn = stack.pipeline.stateMachine.node.defaultChild as InstanceType<typeof sfn.CfnStateMachine>;
  const text = renderTokens(stack.resolve(cfn.definitionString) as Token, ({ logicalId }) => {
    const n = names.get(logicalId);
    if (n === undefined) throw new Error(`state machine definition: no local stand-in for ${logicalId}`);
    return n;
  });
  return JSON.parse(text) as StateMachineDefinition;
}
