// The one local adapter of the synthesized definition, so aws-local-stepfunctions can execute it as it is:
// - every Lambda task resolves, by its Resource (the function), to the pipeline step of that function's handler;
// - a Distributed Map's ItemReader (an S3 JSON array) becomes a Task state in front of the Map, served from local S3,
//   whose result the Map iterates; the Map keeps its ItemSelector, MaxConcurrency, Retry and Catch. The reader Task
//   carries the Map's Catch, so a reader failure takes the same Catch path as on AWS. ItemBatcher and ResultWriter are
//   refused (the pipeline uses neither: partials are written by Simulate itself);
// - the execution timeout (TimeoutSeconds) is taken out and enforced by the executor, which records it the way the
//   status-change rule does on AWS.
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { stepOfResource, synthesizedDefinition, type DefinitionSettings, type LambdaStep } from './definition.ts';

/** Where the reader Task puts the items (the Map's ItemsPath); reserved in the execution's state. */
export const READER_ITEMS_FIELD = 'itemReaderItems';

export interface ItemReaderTask {
  /** the Map state it feeds */
  map: string;
}

export interface LocalDefinition {
  definition: StateMachineDefinition;
  /** Task state name → the pipeline step its Lambda function runs */
  lambdaTasks: Record<string, LambdaStep>;
  /** reader Task state name → its Map */
  itemReaders: Record<string, ItemReaderTask>;
  /** the definition's execution timeout in seconds, if any */
  timeoutSeconds?: number;
}

/** The fields of an ASL state this adapter reads or rewrites. */
interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { Next: string }[];
  Branches?: Machine[];
  ItemProcessor?: Machine;
  Iterator?: Machine;
  ItemReader?: { Resource: string; ReaderConfig?: { InputType?: string; MaxItems?: number }; Parameters: Record<string, unknown> };
  ItemBatcher?: unknown;
  ResultWriter?: unknown;
  ItemsPath?: string;
  [field: string]: unknown;
}
type States = Record<string, State>;
interface Machine {
  StartAt: string;
  States: States;
}

const S3_GET_OBJECT = /^arn:[a-z-]+:states:::s3:getObject$/;

/** Adapts a copy of `source`; throws naming the state for anything the local executor cannot serve. */
export function adaptDefinition(source: StateMachineDefinition): LocalDefinition {
  const definition = structuredClone(source) as StateMachineDefinition & { TimeoutSeconds?: number };
  const timeoutSeconds = definition.TimeoutSeconds;
  delete definition.TimeoutSeconds;
  const lambdaTasks: Record<string, LambdaStep> = {};
  const itemReaders: Record<string, ItemReaderTask> = {};
  adaptStates(definition as unknown as Machine, lambdaTasks, itemReaders);
  return { definition, lambdaTasks, itemReaders, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) };
}

function adaptStates(machine: Machine, lambdaTasks: Record<string, LambdaStep>, itemReaders: Record<string, ItemReaderTask>): void {
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Task') {
      if (name in itemReaders) continue;
      const step = stepOfResource(String(state.Resource));
      if (!step) throw new Error(`state ${name}: no local handler for Resource ${state.Resource}`);
      lambdaTasks[name] = step;
    }
    for (const branch of state.Branches ?? []) adaptStates(branch, lambdaTasks, itemReaders);
    if (state.Type !== 'Map') continue;
    if (state.ItemBatcher) throw new Error(`state ${name}: ItemBatcher is not supported locally`);
    if (state.ResultWriter) throw new Error(`state ${name}: ResultWriter is not supported locally`);
    if (state.ItemReader) {
      const reader = state.ItemReader;
      if (!S3_GET_OBJECT.test(reader.Resource) || reader.ReaderConfig?.InputType !== 'JSON')
        throw new Error(`state ${name}: only an ItemReader of s3:getObject with InputType JSON is supported locally`);
      if (reader.ReaderConfig?.MaxItems !== undefined) throw new Error(`state ${name}: ItemReader MaxItems is not supported locally`);
      const readerName = `${name}ItemReader`;
      if (machine.States[readerName]) throw new Error(`state ${readerName} already exists`);
      retarget(machine, name, readerName);
      machine.States[readerName] = {
        Type: 'Task',
        Comment: `local: the ItemReader of ${name}, served from local S3`,
        Resource: reader.Resource,
        Parameters: reader.Parameters,
        ResultPath: `$.${READER_ITEMS_FIELD}`,
        Next: name,
        ...(state.Catch ? { Catch: structuredClone(state.Catch) } : {}),
      };
      itemReaders[readerName] = { map: name };
      delete state.ItemReader;
      state.ItemsPath = `$.${READER_ITEMS_FIELD}`;
    }
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) adaptStates(processor, lambdaTasks, itemReaders);
  }
}

/** Points every transition to `from` (StartAt, Next, Default, Choices, Catch) at `to`. */
function retarget(machine: Machine, from: string, to: string): void {
  if (machine.StartAt === from) machine.StartAt = to;
  for (const state of Object.values(machine.States)) {
    if (state.Next === from) state.Next = to;
    if (state.Default === from) state.Default = to;
    for (const c of [...(state.Choices ?? []), ...(state.Catch ?? [])]) if (c.Next === from) c.Next = to;
  }
}

/** The synthesized definition for these settings, adapted (the synthesis is cached per process). */
export async function localDefinition(settings: DefinitionSettings): Promise<LocalDefinition> {
  return adaptDefinition(await synthesizedDefinition(settings));
}
