// The input for one of a record type's own fields.
import { NumberInput, Select, TagsInput, TextInput } from '@mantine/core';
import type { OwnField } from './record-config.js';

interface OwnFieldInputProps {
  field: OwnField;
  value: unknown;
  onChange: (value: unknown) => void;
  error?: string;
}

export function OwnFieldInput({ field, value, onChange, error }: OwnFieldInputProps) {
  const common = { label: field.label, required: field.required, error };
  switch (field.kind) {
    case 'emails':
      return <TagsInput {...common} description="Press Enter after each address" value={value as string[]} onChange={onChange} clearable />;
    case 'money':
      return <NumberInput {...common} min={0} decimalScale={2} value={value as number | string} onChange={onChange} />;
    case 'status':
      return <Select {...common} data={[{ value: 'open', label: 'Open' }, { value: 'done', label: 'Done' }]} value={value as string} onChange={(v) => onChange(v ?? 'open')} allowDeselect={false} />;
    case 'date':
      return <TextInput {...common} type="date" value={(value as string) ?? ''} onChange={(e) => onChange(e.currentTarget.value)} />;
    default:
      return <TextInput {...common} value={(value as string) ?? ''} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}
