// The varstream version a report names (package.json's; esbuild inlines it into the Lambda bundle).
import pkg from '../../package.json' with { type: 'json' };

export const VARSTREAM_VERSION: string = pkg.version;
