// Types of .dependency-cruiser.mjs for test/layers.test.ts.
import type { IConfiguration, IForbiddenRuleType } from 'dependency-cruiser';

export const knownExceptions: Record<string, string[]>;
export const forbidden: Array<IForbiddenRuleType & { name: string; from: { path: string | string[]; pathNot?: string | string[] } }>;
declare const config: IConfiguration & { forbidden: typeof forbidden; options: NonNullable<IConfiguration['options']> };
export default config;
