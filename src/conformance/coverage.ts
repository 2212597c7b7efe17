/**
 * The coverage matrix: for every item of the contract (contract-items.ts, derived from the operation
 * table), the checks that judge it, or why the contract leaves it free. One table, read by the json
 * report, `sora-kit check --coverage`, the coverage test (no item may be missing) and the mutant
 * harness (each broken mutant of an item must be killed by one of its checks).
 */
import type { OperationId } from '../spec/operations.js';
import { contractItems, itemKey, type ContractItem } from './contract-items.js';

/**
 * Judged by these checks, or free (the contract judges nothing of it). `inert` says why a parameter's
 * effect is not judged where its refusal is (the contract defines no effect), so nothing is expected
 * to notice a deployment that ignores it.
 */
export type Judged = { checks: readonly string[]; inert?: string } | { free: string };

export interface CoverageRow {
  operation: string;
  kind: ContractItem['kind'];
  name: string;
  checks?: string[];
  free?: string;
  /** Why the parameter's effect is not judged (its refusal is). */
  inert?: string;
}

const SCHEMA = 'objects.schema';
const FRAMING = 'chat.stream.framing';
const CONSISTENCY = 'objects.consistency';
const judged = (...checks: string[]): Judged => ({ checks });

/** A video object, wherever it is answered (create, retrieve, remix, each item of a list). */
const VIDEO_OBJECT: Record<string, Judged> = {
  id: judged(SCHEMA, 'videos.lifecycle', 'videos.poll'),
  object: judged(SCHEMA),
  model: judged(SCHEMA, 'videos.lifecycle', 'videos.relations'),
  status: judged(SCHEMA, 'videos.lifecycle', 'videos.poll', 'videos.relations'),
  progress: judged(SCHEMA, 'videos.lifecycle'),
  created_at: judged(SCHEMA, 'videos.lifecycle', 'videos.relations'),
  completed_at: judged(SCHEMA, 'videos.lifecycle'),
  expires_at: judged(SCHEMA, 'videos.lifecycle', 'videos.relations'),
  prompt: judged(SCHEMA, 'videos.relations'),
  size: judged(SCHEMA, 'videos.create', 'videos.lifecycle', 'videos.size.orientation', 'videos.relations'),
  seconds: judged(SCHEMA, 'videos.create', 'videos.lifecycle', 'videos.seconds', 'videos.relations'),
  remixed_from_video_id: judged(SCHEMA, 'videos.remix', 'videos.relations'),
  error: judged(SCHEMA, 'videos.relations'),
  'error.code': judged(SCHEMA),
  'error.message': judged(SCHEMA),
};

const IMAGES_ANSWER: Record<string, Judged> = {
  created: judged(SCHEMA, CONSISTENCY),
  data: judged(SCHEMA, 'images.n', 'images.edits', CONSISTENCY),
  'data[].url': judged(SCHEMA, 'images.generations.multipart', 'images.edits'),
  'data[].b64_json': judged(SCHEMA, 'images.b64-json', 'images.edits.params'),
  // OpenAI: "the revised prompt", text a model may write as it likes; its type is all there is to judge.
  'data[].revised_prompt': judged(SCHEMA),
  size: judged(SCHEMA, CONSISTENCY),
  output_format: judged(SCHEMA, CONSISTENCY),
};

const prefixed = (prefix: string, table: Record<string, Judged>) => Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix}${k}`, v]));

/** Per operation: its parameters, then the fields of its 200 answer (a chat request's `model` and its answer's share a name). */
export const COVERAGE: Record<OperationId, { parameters?: Record<string, Judged>; fields: Record<string, Judged> }> = {
  createChatCompletion: {
    parameters: {
      model: judged('errors.unknown-model', 'chat.image.options-rejected', 'chat.image.nonstream', 'chat.video.stream', 'chat.video.options'),
      messages: judged('errors.required-params', 'chat.image.nonstream', 'chat.image.stream.image'),
      stream: judged('chat.image.stream.content-type', 'chat.image.stream.chunks', 'chat.image.stream.done'),
      stream_options: judged('chat.stream.usage'),
      size: judged('chat.params'),
      n: judged('chat.params'),
      watermark: judged('chat.params'),
    },
    fields: {
      id: judged(SCHEMA, 'chat.image.nonstream'),
      object: judged(SCHEMA, 'chat.image.nonstream'),
      created: judged(SCHEMA, 'chat.image.nonstream', CONSISTENCY),
      model: judged(SCHEMA, 'chat.image.nonstream', CONSISTENCY),
      choices: judged(SCHEMA, 'chat.image.nonstream'),
      'choices[].index': judged(SCHEMA, 'chat.image.nonstream', CONSISTENCY),
      'choices[].message': judged(SCHEMA, 'chat.image.nonstream'),
      'choices[].message.role': judged(SCHEMA, 'chat.image.nonstream'),
      'choices[].message.content': judged(SCHEMA, 'chat.image.nonstream'),
      'choices[].message.refusal': judged(SCHEMA, 'chat.image.nonstream'),
      'choices[].finish_reason': judged(SCHEMA, 'chat.image.nonstream'),
      'choices[].logprobs': judged(SCHEMA, 'chat.image.nonstream'),
      usage: judged(SCHEMA, 'chat.image.nonstream', CONSISTENCY),
      'usage.prompt_tokens': judged(SCHEMA, 'chat.image.nonstream', CONSISTENCY),
      'usage.completion_tokens': judged(SCHEMA, 'chat.image.nonstream', CONSISTENCY),
      'usage.total_tokens': judged(SCHEMA, 'chat.image.nonstream', CONSISTENCY),
      'stream: id': judged(FRAMING, 'chat.image.stream.chunks'),
      'stream: object': judged(FRAMING, 'chat.image.stream.chunks'),
      'stream: created': judged(FRAMING, 'chat.image.stream.chunks', CONSISTENCY),
      'stream: model': judged(FRAMING, 'chat.image.stream.chunks', CONSISTENCY),
      'stream: choices': judged(FRAMING, 'chat.image.stream.chunks'),
      'stream: choices[].index': judged(FRAMING, 'chat.image.stream.chunks', CONSISTENCY),
      'stream: choices[].delta': judged(FRAMING, 'chat.image.stream.chunks'),
      'stream: choices[].delta.role': judged(FRAMING, 'chat.image.stream.chunks', 'chat.image.stream.role-first'),
      'stream: choices[].delta.content': judged(FRAMING, 'chat.image.stream.chunks', 'chat.image.stream.image'),
      'stream: choices[].finish_reason': judged(FRAMING, 'chat.image.stream.chunks', 'chat.image.stream.done'),
      'stream: choices[].logprobs': judged(FRAMING, 'chat.image.stream.chunks'),
      'stream: usage': judged(FRAMING, 'chat.image.stream.chunks', 'chat.stream.usage'),
      'stream: usage.prompt_tokens': judged(FRAMING, 'chat.image.stream.chunks', 'chat.stream.usage'),
      'stream: usage.completion_tokens': judged(FRAMING, 'chat.image.stream.chunks', 'chat.stream.usage'),
      'stream: usage.total_tokens': judged(FRAMING, 'chat.image.stream.chunks', 'chat.stream.usage'),
    },
  },
  createImage: {
    parameters: {
      prompt: judged('images.generations.multipart', 'images.generations.json', 'errors.required-params'),
      model: judged('images.generations.multipart', 'images.generations.json', 'errors.options-on-base'),
      size: judged('images.size.square', 'images.size.wide', 'images.size.tall', 'errors.bad-size'),
      n: judged('images.n', 'images.n.max'),
      response_format: judged('images.b64-json'),
    },
    fields: IMAGES_ANSWER,
  },
  createImageEdit: {
    parameters: {
      image: judged('images.edits', 'images.edits.missing-image', 'images.edits.aspect'),
      prompt: judged('images.edits', 'errors.required-params'),
      model: judged('images.edits'),
      size: judged('images.edits.params'),
      n: judged('images.edits.params'),
      response_format: judged('images.edits.params'),
    },
    fields: IMAGES_ANSWER,
  },
  createVideo: {
    parameters: {
      prompt: judged('videos.create', 'errors.required-params', 'videos.relations'),
      model: judged('videos.create', 'errors.unknown-model', 'videos.lifecycle'),
      size: judged('videos.size.orientation', 'videos.size.orientation.multipart', 'errors.bad-size'),
      seconds: judged('videos.seconds'),
      watermark: judged('videos.watermark'),
      input_reference: judged('videos.input-reference'),
    },
    fields: VIDEO_OBJECT,
  },
  listVideos: {
    parameters: {
      after: judged('videos.list.pages'),
      limit: judged('videos.list.pages', 'videos.list'),
      order: judged('videos.list.pages'),
    },
    fields: {
      object: judged(SCHEMA, 'videos.list'),
      data: judged(SCHEMA, 'videos.list', 'videos.relations'),
      ...prefixed('data[].', VIDEO_OBJECT),
      first_id: judged(SCHEMA, 'videos.list.pages'),
      last_id: judged(SCHEMA, 'videos.list.pages'),
      has_more: judged(SCHEMA, 'videos.list.pages'),
    },
  },
  retrieveVideo: {
    parameters: { video_id: judged('videos.poll', 'videos.unknown-id', 'videos.lifecycle') },
    fields: VIDEO_OBJECT,
  },
  deleteVideo: {
    parameters: { video_id: judged('videos.delete', 'videos.relations') },
    fields: {
      id: judged(SCHEMA, 'videos.delete'),
      object: judged(SCHEMA, 'videos.delete'),
      deleted: judged(SCHEMA, 'videos.delete'),
    },
  },
  remixVideo: {
    parameters: {
      video_id: judged('videos.remix', 'videos.unknown-id'),
      prompt: judged('videos.remix', 'videos.relations'),
      model: {
        checks: ['videos.remix'],
        inert: "OpenAI's remix takes no model; the seed's example sends one without saying what it changes (a remix keeps its source's size and duration)",
      },
    },
    fields: VIDEO_OBJECT,
  },
  retrieveVideoContent: {
    fields: {},
    parameters: {
      video_id: judged('videos.content.type', 'videos.unknown-id', 'videos.content.size'),
      variant: judged('videos.thumbnail', 'videos.spritesheet', 'videos.content.type'),
      Range: judged('videos.content.range'),
    },
  },
  listModels: {
    fields: {
      object: judged(SCHEMA, 'models.list'),
      data: judged(SCHEMA, 'models.list'),
      'data[].id': judged(SCHEMA, 'models.list'),
      'data[].object': judged(SCHEMA, 'models.list'),
      'data[].created': judged(SCHEMA, 'models.list', CONSISTENCY),
      // OpenAI: "the organization that owns the model"; any text.
      'data[].owned_by': judged(SCHEMA, 'models.list'),
    },
  },
};

/** What the table says of an item; undefined when it says nothing (the coverage test fails then). */
export function judgedOf(item: ContractItem): Judged | undefined {
  const table = COVERAGE[item.operationId];
  const entry = (item.kind === 'parameter' ? table.parameters : table.fields)?.[item.name];
  if (!entry || ('checks' in entry && entry.checks.length === 0)) return undefined;
  return entry;
}

/** One row per item of the contract, as the json report and `--coverage` show them. */
export function coverageRows(items: readonly ContractItem[] = contractItems()): CoverageRow[] {
  return items.map((item) => {
    const entry = judgedOf(item);
    const row: CoverageRow = { operation: item.operation, kind: item.kind, name: item.name };
    if (entry && 'checks' in entry) {
      row.checks = [...entry.checks];
      if (entry.inert) row.inert = entry.inert;
    }
    else if (entry) row.free = entry.free;
    return row;
  });
}

/** Items the table neither judges nor leaves free, by key (empty when the matrix is complete). */
export function uncoveredItems(items: readonly ContractItem[] = contractItems()): string[] {
  return items.filter((item) => !judgedOf(item)).map(itemKey);
}

/** The matrix as text: one line per item, `operation  kind  name  checks | free: why`. */
export function formatCoverage(rows: readonly CoverageRow[] = coverageRows()): string {
  const w = (pick: (r: CoverageRow) => string) => Math.max(...rows.map((r) => pick(r).length));
  const [wo, wk, wn] = [w((r) => r.operation), w((r) => r.kind), w((r) => r.name)];
  const lines = rows.map(
  (r) => `${r.operation.padEnd(wo)}  ${r.kind.padEnd(wk)}  ${r.name.padEnd(wn)}  ${r.checks ? r.checks.join(', ') : r.free ? `free: ${r.free}` : 'NOT COVERED'}`,
  );
  return `${lines.join('\n')}\n`;
}
