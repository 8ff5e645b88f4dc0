/**
 * Dotted-path reads into parsed JSON ("paging.next.after"; "" is the value itself). Keys that contain
 * dots themselves (OData "@odata.nextLink") are matched whole before the path is split.
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  if (value === null || typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(obj, path)) return obj[path];
  for (let i = path.indexOf('.'); i > 0; i = path.indexOf('.', i + 1)) {
    const head = path.slice(0, i);
    if (Object.prototype.hasOwnProperty.call(obj, head)) {
      const found = getPath(obj[head], path.slice(i + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** `${name}` → vars[name]. Unknown names are left as-is so the error surfaces at the request. */
export function interpolate(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{([A-Za-z0-9_.-]+)\}/g, (m, name: string) => vars[name] ?? m);
}
