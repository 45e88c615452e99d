// Why a filter did not match an event: the same evaluation as evaluate.ts (same readings, same testReading),
// returning the condition that decided it with the actual previous and current values, so "why not?" is
// answered by the code that decided, not by a second implementation.
import type { FilterCondition, FilterNode } from './parse.js';
import { readField, testReading, type FilterEvent } from './evaluate.js';

export interface FilterFailure {
  /** The node, as validation names it: `filter.all[1]`. */
  path: string;
  field?: string;
  op?: string;
  value?: unknown;
  /** The value before the event (absent on created). */
  previous?: unknown;
  /** The value after the event (absent on deleted). */
  current?: unknown;
  message: string;
}

export interface FilterExplanation {
  matched: boolean;
  /** Why it did not match: one failure for all/condition/not, one per alternative for any. Empty when matched. */
  failures: FilterFailure[];
}

const show = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));

function describeCondition(condition: FilterCondition, event: FilterEvent, path: string, matched: boolean): FilterFailure {
  const reading = readField(event, condition.field);
  const values = event.action === 'created' ? `current ${show(reading.current)}` : event.action === 'deleted' ? `last value ${show(reading.previous)}` : `previous ${show(reading.previous)}, current ${show(reading.current)}${reading.changed ? '' : ' (unchanged)'}`;
  const expected = condition.value === undefined ? '' : ` ${JSON.stringify(condition.value)}`;
  const verdict = matched ? 'matched' : 'did not match';
  const failure: FilterFailure = { path, field: condition.field, op: condition.op, message: `${path}: ${condition.field} ${condition.op}${expected} ${verdict} on ${event.action}: ${values}` };
  if (condition.value !== undefined) failure.value = condition.value;
  if (reading.previous !== undefined) failure.previous = reading.previous;
  if (reading.current !== undefined) failure.current = reading.current;
  return failure;
}

function explainNode(node: FilterNode, event: FilterEvent, path: string): FilterExplanation {
  if ('all' in node) {
    for (const [index, child] of node.all.entries()) {
      const result = explainNode(child, event, `${path}.all[${index}]`);
      if (!result.matched) return result;
    }
    return { matched: true, failures: [] };
  }
  if ('any' in node) {
    const failures: FilterFailure[] = [];
    for (const [index, child] of node.any.entries()) {
      const result = explainNode(child, event, `${path}.any[${index}]`);
      if (result.matched) return { matched: true, failures: [] };
      failures.push(...result.failures);
    }
    return { matched: false, failures };
  }
  if ('not' in node) {
    const inner = explainNode(node.not, event, `${path}.not`);
    if (!inner.matched) return { matched: true, failures: [] };
    const detail = 'op' in node.not ? describeCondition(node.not, event, `${path}.not`, true) : null;
    const { message: innerMessage, path: _innerPath, ...values } = detail ?? { message: `${path}.not matched`, path };
    return { matched: false, failures: [{ ...values, path, message: `${path}: the negated node matched (${innerMessage})` }] };
  }
  const reading = readField(event, node.field);
  if (testReading(node, reading, event.action)) return { matched: true, failures: [] };
  return { matched: false, failures: [describeCondition(node, event, path, false)] };
}

export function explainFilter(filter: FilterNode | null, event: FilterEvent, base = 'filter'): FilterExplanation {
  if (filter === null) return { matched: true, failures: [] };
  return explainNode(filter, event, base);
}
