/** What `heroflow consume` prints for one message: the `record_name` header, then each record as a Python dict. */
import avro from 'avsc';
import { HEADER_RECORD_NAME } from './experiment.js';
import { decodeContainer } from './ocf.js';
import { pyRepr } from './pydict.js';

export interface Printed {
  recordName: string | undefined;
  schemaName: string;
  lines: string[];
}

export function printEvent(value: Uint8Array, headers: Record<string, string> | undefined): Printed {
  const c = decodeContainer(value);
  const type = avro.Type.forSchema(c.schema);
  return {
    recordName: headers?.[HEADER_RECORD_NAME],
    schemaName: c.schemaName,
    lines: c.records.map((r) => pyRepr(type, r)),
  };
}
