/**
 * Load order from the mapping's references: a topological sort. Self-references and the edges that
 * close a cycle are "deferred": written as NULL in the first pass and linked once every entity has
 * loaded, so Account.ParentId and mutual references both work.
 */
export interface Edge {
  /** The entity holding the reference. */
  from: string;
  /** The entity it points at (must load first). */
  to: string;
  column: string;
}

export interface LoadPlan {
  /** Entities in an order where every non-deferred reference points at an earlier entity. */
  order: string[];
  /** Entities grouped into levels: entities of one level depend only on earlier levels. */
  levels: string[][];
  /** "entity.column" keys of deferred references. */
  deferred: Set<string>;
}

export function planLoadOrder(entities: string[], edges: Edge[]): LoadPlan {
  const deferred = new Set<string>();
  const known = new Set(entities);
  const deps = new Map<string, Set<string>>(entities.map((e) => [e, new Set<string>()]));
  // Self-references are always deferred.
  const live = edges.filter((e) => {
    if (!known.has(e.from) || !known.has(e.to)) return false;
    if (e.from === e.to) {
      deferred.add(`${e.from}.${e.column}`);
      return false;
    }
    return true;
  });
  // Break cycles: DFS in a stable order; an edge to a node on the current path closes a cycle.
  const state = new Map<string, 'visiting' | 'done'>();
  const byFrom = new Map<string, Edge[]>();
  for (const e of live) byFrom.set(e.from, [...(byFrom.get(e.from) ?? []), e]);
  const visit = (n: string): void => {
    state.set(n, 'visiting');
    for (const e of byFrom.get(n) ?? []) {
      const s = state.get(e.to);
      if (s === 'visiting') deferred.add(`${e.from}.${e.column}`);
      else {
        deps.get(e.from)!.add(e.to);
        if (s === undefined) visit(e.to);
      }
    }
    state.set(n, 'done');
  };
  for (const e of [...entities].sort()) if (!state.has(e)) visit(e);
  // Kahn's algorithm by levels, alphabetical within a level for determinism.
  const remaining = new Map([...deps].map(([k, v]) => [k, new Set(v)]));
  const levels: string[][] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, d]) => d.size === 0).map(([k]) => k).sort();
    if (ready.length === 0) throw new Error(`load order: unresolvable cycle among ${[...remaining.keys()].join(', ')}`);
    levels.push(ready);
    for (const r of ready) remaining.delete(r);
    for (const d of remaining.values()) for (const r of ready) d.delete(r);
  }
  return { order: levels.flat(), levels, deferred };
}
