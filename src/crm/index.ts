// The CRM's public API: the commands and queries REST, MCP, the UI and CSV import call, and the input schemas
// they validate with. `type` is always the singular record type (contact, organization, deal, service, task).
export { computeChanges, type Change, type Changes } from './changes.js';
export { createRecord, createRecords, deleteRecords, updateRecord, updateRecords, type BulkOptions } from './commands.js';
export { linkRecords, resolveRelation, unlinkRecords } from './links.js';
export { plainTextToDoc, normalizeNotes, type TiptapDoc } from './notes.js';
export { getRecordOrThrow, getRecords, listRecords, ListQuery, PAGE_SIZE_MAX, type ListQueryInput, type RecordPage } from './queries.js';
export { CREATE_SCHEMAS, MAX_BULK_ITEMS, UPDATE_ITEM_SCHEMAS, UPDATE_SCHEMAS, type CreateInput, type UpdateInput, type UpdateItem } from './schemas.js';
export { RECORD_PLURALS, RECORD_TYPES, RELATIONS, type RecordDto, type RecordDtoByType, type RecordType } from './types.js';
export {
  createCustomColumn,
  deleteCustomColumn,
  getCustomColumnOrThrow,
  listCustomColumns,
  updateCustomColumn,
  CreateCustomColumnInput,
  UpdateCustomColumnInput,
  type CustomColumnDto,
} from './custom-columns/columns.js';
export { COLUMN_TYPES, type ColumnType } from './custom-columns/values.js';
export { importRecords, ImportInput, IMPORT_TYPES, type ImportReport, type ImportRowError, type ImportType } from './import/csv-import.js';
