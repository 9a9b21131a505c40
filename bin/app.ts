// CDK app: `npx cdk synth` works offline (no lookups; account/region fall back to placeholders when unset).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { VarstreamStack, propsFromContext } from '../lib/varstream-stack.ts';

const app = new App();
new VarstreamStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'Varstream', {
  ...propsFromContext((k) => app.node.tryGetContext(k)),
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
  },
  description: 'varstream: streaming factor-model Monte Carlo VaR',
});
// cdk-nag v3 is a policy-validation plugin: synth fails on an unacknowledged error
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
