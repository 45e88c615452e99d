// How the filter appears in the REST, OpenAPI and MCP schemas. At this layer a filter is any JSON object: the
// full check (parse.ts) needs the subscribed events and the company's columns, and names a bad node by its
// path (`filter.all[1].value`), which a structural schema here would report less precisely. The description
// is the grammar, for a reader of the OpenAPI document or an MCP tool list with nothing else at hand.
import { z } from 'zod';
import { FILTER_OPS } from './fields.js';
import { MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH } from './parse.js';

export const FILTER_GRAMMAR =
  'A node is {"all": [node…]}, {"any": [node…]}, {"not": node} or a condition {"field", "op", "value"?}. ' +
  `field: a DTO field of the subscribed record types (e.g. "name", "status", "totalValue", "contactIds") or "custom:<columnId>". op: ${FILTER_OPS.join(', ')}. ` +
  'becomes/was: the field changed and its current/previous value equals value (on *.created becomes tests the new value and was never matches; on *.deleted was tests the last value and becomes never matches); ' +
  'changed: the field moved (true for every present field on *.created and *.deleted); eq, neq, in (value: array), gt, lt, contains (membership for arrays, case-insensitive substring for text), isNull, notNull test the current value (the last value on *.deleted). ' +
  'changed, isNull and notNull take no value. ' +
  `At most ${MAX_FILTER_DEPTH} levels deep and ${MAX_FILTER_CONDITIONS} conditions; validated against the subscribed record types and the company's custom columns when saved.`;

const EXAMPLE = { all: [{ field: 'custom:<stageColumnId>', op: 'becomes', value: 'won' }] };

export const FilterInput = z
  .record(z.string(), z.unknown(), { error: 'must be a filter object such as {"field": "name", "op": "changed"}, or null for none' })
  .describe(`Only events that match are delivered. ${FILTER_GRAMMAR}`)
  .meta({ examples: [EXAMPLE] });

export const FilterOutput = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe('the filter in force (values normalized: numbers as numbers, a select option as its value), or null: every subscribed event is delivered');
