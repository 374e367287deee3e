/**
 * The columns of one table being filled, driven by its spec: one generic builder per column type.
 * Row appenders (rows.ts) fetch typed columns by name once, then append values column by column.
 */
import { makeData, RecordBatch, Struct, Table } from 'apache-arrow';
import { storageSchema } from './arrow-schemas.js';
import {
  type AnyColumn,
  BoolColumn,
  ConstantUtf8Column,
  FixedColumn,
  Int64Column,
  makeColumn,
  type RepeatedUtf8,
  Utf8Column,
  Utf8ListColumn,
} from './columns.js';
import type { TableSpec } from './schemas.js';

export class TableBuilder {
  readonly columns: AnyColumn[];

  /**
   * `constants`: utf8 columns whose every row holds one value (etl_id, a segment's topic), built as
   * ConstantUtf8Column: appending a row to them only counts it.
   */
  constructor(
    readonly spec: TableSpec,
    constants: Readonly<Record<string, RepeatedUtf8>> = {},
  ) {
    for (const name in constants)
      if (spec.columns.find((c) => c.name === name)?.type !== 'utf8')
        throw new TypeError(`${spec.name}.${name} cannot be made constant`);
    this.columns = spec.columns.map((c) =>
      c.name in constants ? new ConstantUtf8Column(constants[c.name]) : makeColumn(c.type),
    );
  }

  /** Rows appended so far (every column has the same length between rows). */
  get rows(): number {
    return this.columns[0].length;
  }

  byteLength(): number {
    let n = 0;
    for (const c of this.columns) n += c.byteLength();
    return n;
  }

  private get<T extends AnyColumn>(name: string, Kind: abstract new (...args: never[]) => T): T {
    const i = this.spec.columns.findIndex((c) => c.name === name);
    const column = this.columns[i];
    if (!(column instanceof Kind)) throw new TypeError(`${this.spec.name}.${name} is not a ${Kind.name}`);
    return column;
  }
  utf8(name: string): Utf8Column {
    return this.get(name, Utf8Column);
  }
  constant(name: string): ConstantUtf8Column {
    return this.get(name, ConstantUtf8Column);
  }
  utf8List(name: string): Utf8ListColumn {
    return this.get(name, Utf8ListColumn);
  }
  int64(name: string): Int64Column {
    return this.get(name, Int64Column);
  }
  fixed(name: string): FixedColumn {
    return this.get(name, FixedColumn);
  }
  bool(name: string): BoolColumn {
    return this.get(name, BoolColumn);
  }

  /** Empties every column, keeping its buffers (see Column.reset). */
  reset(): void {
    for (const c of this.columns) c.reset();
  }

  /** The Arrow table in its storage schema (seconds carried as milliseconds; see schemas.ts). */
  finish(): Table {
    const schema = storageSchema(this.spec);
    const children = schema.fields.map((field, i) => this.columns[i].finish(field.type));
    const struct = makeData({ type: new Struct(schema.fields), length: this.rows, nullCount: 0, children });
    return new Table(schema, new RecordBatch(schema, struct));
  }
}
