// cdk-nag v3 acknowledgements (CDK's Validations API): one finding id each, always with a written reason.
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/** The logical id of an L2 construct's resource, as cdk-nag prints it in finding ids (`<Id.Arn>`). */
export function logicalId(c: IConstruct): string {
  const stack = Stack.of(c);
  return stack.resolve(stack.getLogicalId(c.node.defaultChild as CfnElement)) as string;
}
