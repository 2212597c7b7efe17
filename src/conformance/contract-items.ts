/**
 * The items of the contract, derived from the operation table: every request parameter (path, query,
 * header, body field) and every field of every 200 answer (nested, `data[].id`), with what its schema
 * says of it (type, optional, nullable, bounds, default). The coverage matrix and the mutant harness
 * both start from this list, so neither can forget an item the table or a schema adds.
 */
import type { z } from 'zod';
import { OPERATIONS, OPERATION_IDS, type OperationId } from '../spec/operations.js';

export type ItemKind = 'parameter' | 'field';
export type ParameterLocation = 'path' | 'query' | 'header' | 'body';
export type LeafType = 'string' | 'number' | 'boolean' | 'enum' | 'literal' | 'object' | 'array' | 'null' | 'file' | 'union' | 'unknown';

export interface ContractItem {
  operationId: OperationId;
  /** `GET /videos/{video_id}`. */
  operation: string;
  kind: ItemKind;
  /** `limit`, `data[].id`, `stream: choices[].delta.content` (a field of a streamed chunk). */
  name: string;
  /** Keys from the root of the body or chunk; `[]` steps into every element of an array. */
  path: string[];
  /** Parameters: where they travel. */
  location?: ParameterLocation;
  /** Fields: of a streamed chunk (`text/event-stream`) rather than of the JSON answer. */
  stream?: boolean;
  type: LeafType;
  optional: boolean;
  nullable: boolean;
  /** Enum values and literals. */
  values?: readonly unknown[];
  min?: number;
  max?: number;
  integer?: boolean;
  /** The value a parameter takes when absent (zod `.default`). */
  defaultValue?: unknown;
  /** Arrays: the type of their elements (`file` for uploads sent as repeated form parts). */
  elementType?: LeafType;
}

export const operationName = (id: OperationId): string => `${OPERATIONS[id].method} ${OPERATIONS[id].path}`;

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, unknown>;
  values?: unknown[];
  defaultValue?: unknown;
  checks?: Array<{ _zod: { def: { check: string; value?: number } } }>;
}
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

interface Unwrapped {
  schema: z.ZodType;
  optional: boolean;
  nullable: boolean;
  defaultValue?: unknown;
}

/** Through optional, nullable, default and pipes (the input side: what is sent or answered). */
function unwrap(schema: z.ZodType): Unwrapped {
  const out: Unwrapped = { schema, optional: false, nullable: false };
  for (;;) {
    const def = defOf(out.schema);
    if (def.type === 'optional') out.optional = true;
    else if (def.type === 'nullable') out.nullable = true;
    else if (def.type === 'default' || def.type === 'prefault') {
      out.optional = true;
      out.defaultValue = def.defaultValue;
    } else if (def.type !== 'pipe' && def.type !== 'readonly' && def.type !== 'catch') break;
    out.schema = (def.type === 'pipe' ? def.in : def.innerType)!;
  }
  return out;
}

type Leaf = Pick<ContractItem, 'type' | 'optional' | 'nullable' | 'values' | 'min' | 'max' | 'integer' | 'defaultValue' | 'elementType'>;

function leafOf(schema: z.ZodType): Leaf {
  const { schema: inner, optional, nullable, defaultValue } = unwrap(schema);
  const def = defOf(inner);
  const leaf: Leaf = { type: 'unknown', optional, nullable, ...(defaultValue !== undefined ? { defaultValue } : {}) };
  switch (def.type) {
    case 'string':
    case 'boolean':
    case 'object':
    case 'null':
    case 'file':
    case 'union':
      leaf.type = def.type;
      break;
    case 'array':
      leaf.type = 'array';
      leaf.elementType = leafOf(def.element!).type;
      break;
    case 'number':
    case 'int': {
      leaf.type = 'number';
      const n = inner as unknown as { minValue: number | null; maxValue: number | null; isInt?: boolean; format?: string | null };
      // zod's int carries the safe-integer range as bounds: only the contract's own bounds count.
      if (Number.isFinite(n.minValue) && n.minValue! > Number.MIN_SAFE_INTEGER) leaf.min = n.minValue!;
      if (Number.isFinite(n.maxValue) && n.maxValue! < Number.MAX_SAFE_INTEGER) leaf.max = n.maxValue!;
      leaf.integer = n.isInt === true || /int/.test(n.format ?? '');
      break;
    }
    case 'enum':
      leaf.type = 'enum';
      leaf.values = Object.values(def.entries ?? {});
      break;
    case 'literal':
      leaf.type = 'literal';
      leaf.values = def.values;
      break;
  }
  return leaf;
}

/** The object shapes a schema may be (the options of a union of objects are merged). */
function shapesOf(schema: z.ZodType): Array<Record<string, z.ZodType>> {
  const { schema: inner } = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object') return [def.shape!];
  if (def.type === 'union') return def.options!.flatMap(shapesOf);
  return [];
}

function elementOf(schema: z.ZodType): z.ZodType | undefined {
  const def = defOf(unwrap(schema).schema);
  return def.type === 'array' ? def.element : undefined;
}

const display = (path: string[]) => path.join('.').replace(/\.\[\]/g, '[]');

/** Every field of an answer schema, depth first, the object's own fields before their children. */
function fieldsOf(schema: z.ZodType, path: string[] = []): Array<Leaf & { path: string[] }> {
  const shapes = shapesOf(schema);
  const names = [...new Set(shapes.flatMap((s) => Object.keys(s)))];
  return names.flatMap((name) => {
    const holders = shapes.filter((s) => name in s);
    const child = holders[0][name];
    const leaf = leafOf(child);
    // A key only some options of a union carry is optional as far as an answer goes.
    if (holders.length < shapes.length) leaf.optional = true;
    const here = [...path, name];
    const element = elementOf(child);
    const nested = element ? fieldsOf(element, [...here, '[]']) : fieldsOf(child, here);
    return [{ ...leaf, path: here }, ...nested];
  });
}

function parametersOf(id: OperationId): ContractItem[] {
  const op = OPERATIONS[id] as (typeof OPERATIONS)[OperationId] & { params?: z.ZodType; query?: z.ZodType; headerDoc?: z.ZodType; body?: { json?: z.ZodType; form?: z.ZodType } };
  const sources: Array<[ParameterLocation, z.ZodType | undefined]> = [
    ['path', op.params],
    ['query', op.query],
    ['header', op.headerDoc],
    // The form schema is the fuller one where both exist (files travel only in multipart).
    ['body', op.body?.form ?? op.body?.json],
  ];
  const seen = new Set<string>();
  return sources.flatMap(([location, schema]) =>
    schema
      ? shapesOf(schema).flatMap((shape) =>
          Object.entries(shape).flatMap(([name, child]) => {
            if (seen.has(name)) return [];
            seen.add(name);
            return [{ operationId: id, operation: operationName(id), kind: 'parameter' as const, name, path: [name], location, ...leafOf(child) }];
          }),
        )
      : [],
  );
}

function answerFieldsOf(id: OperationId): ContractItem[] {
  const ok = OPERATIONS[id].ok as Record<string, { content?: Record<string, { schema?: unknown }> }>;
  const content = ok['200']?.content ?? {};
  const json = content['application/json']?.schema as z.ZodType | undefined;
  const stream = content['text/event-stream']?.schema as z.ZodType | undefined;
  const items = (schema: z.ZodType | undefined, streamed: boolean): ContractItem[] =>
    schema
      ? fieldsOf(schema).map((leaf) => ({
          operationId: id,
          operation: operationName(id),
          kind: 'field' as const,
          name: `${streamed ? 'stream: ' : ''}${display(leaf.path)}`,
          ...(streamed ? { stream: true } : {}),
          ...leaf,
        }))
      : [];
  return [...items(json, false), ...items(stream, true)];
}

/** Every item of the contract, operation by operation (parameters, then answer fields). */
export function contractItems(): ContractItem[] {
  return OPERATION_IDS.flatMap((id) => [...parametersOf(id), ...answerFieldsOf(id)]);
}

/** `GET /videos parameter limit`: the key of an item in the coverage table and the harness. */
export const itemKey = (item: Pick<ContractItem, 'operation' | 'kind' | 'name'>): string => `${item.operation} ${item.kind} ${item.name}`;
