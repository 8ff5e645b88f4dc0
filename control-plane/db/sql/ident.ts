/** Identifier quoting for the SQL layer. Values are always parameters; identifiers always go through here. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 63) throw new Error(`invalid SQL identifier length: ${JSON.stringify(name)}`);
  if (name.includes('\u0000')) throw new Error('SQL identifier contains a NUL byte');
  return `"${name.replace(/"/g, '""')}"`;
}

/** schema.table, both quoted. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
