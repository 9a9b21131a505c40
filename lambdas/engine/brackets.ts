// The brackets of a Selection: their edges (null = open) and the check that they are ascending and disjoint.
import type { Selection } from './types.ts';

export const edgeLo = (b: [number | null, number | null]): number => b[0] ?? -Infinity;
export const edgeHi = (b: [number | null, number | null]): number => b[1] ?? Infinity;

/** Throws unless the brackets are ascending, disjoint and each lo ≤ hi. */
export function checkSelection(s: Selection): void {
  if (!Number.isInteger(s.pass) || s.pass < 1 || !Array.isArray(s.brackets) || s.brackets.length < 1) throw new Error('selection: bad pass or no brackets');
  let previous = -Infinity;
  s.brackets.forEach((b, j) => {
    const lo = edgeLo(b);
    const hi = edgeHi(b);
    if (!(lo <= hi) || (j > 0 && !(lo > previous))) throw new Error(`selection: bracket ${j} [${lo}, ${hi}] is empty or overlaps the one before`);
    previous = hi;
  });
  // attribution edges: strictly ascending, each inside a bracket with a lower edge (its lower edge or a sub-edge)
  const a = s.attributeBelow;
  if (!Array.isArray(a) || a.some((e, m) => !s.brackets.some((b) => b[0] !== null && b[0] <= e && e <= edgeHi(b)) || (m > 0 && !(e > a[m - 1])))) {
    throw new Error('selection: attributeBelow is not ascending edges inside brackets with a lower edge');
  }
}
