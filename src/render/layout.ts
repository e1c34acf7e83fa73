// Kernel-style line layout: tabs of 8, statements wrapped at 80 columns with the
// continuation aligned to the open parenthesis, comments wrapped into block comments.
// Only this module knows about columns.

const LIMIT = 80;

/** Visual width of a line (tabs to the next multiple of 8). */
export function width(line: string): number {
  let col = 0;
  for (const ch of line) col = ch === '\t' ? (col + 8) & ~7 : col + 1;
  return col;
}

/** Indentation for a column: tabs, then spaces. */
function pad(col: number): string {
  return '\t'.repeat(Math.floor(col / 8)) + ' '.repeat(col % 8);
}

/** Split at top-level occurrences of `sep` (outside parentheses), keeping `sep` on the left part. */
function splitTop(s: string, seps: string[]): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0) {
      const sep = seps.find((x) => s.startsWith(x, i));
      if (sep) {
        parts.push(s.slice(start, i + sep.length).trimEnd());
        start = i + sep.length;
        i += sep.length - 1;
      }
    }
  }
  parts.push(s.slice(start).trim());
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * One statement at indent depth `depth` (tabs), wrapped when it does not fit: a call's
 * arguments (or an `if`'s condition at && / ||) continue under the open parenthesis.
 */
export function statement(depth: number, text: string): string[] {
  const indent = '\t'.repeat(depth);
  if (width(indent + text) <= LIMIT) return [indent + text];
  const open = text.indexOf('(');
  if (open < 0) return [indent + text];
  const head = text.slice(0, open + 1);
  const close = matching(text, open);
  const inner = text.slice(open + 1, close);
  const tail = text.slice(close);
  const isIf = /(^|else )(if|while) \($/.test(head);
  const parts = isIf ? splitTop(inner, ['&& ', '|| ']).map((p) => p.replace(/ (&&|\|\|)$/, ' $1')) : splitTop(inner, [',']);
  const col = width(indent + head);
  const lines: string[] = [];
  let cur = indent + head;
  let first = true;
  for (let k = 0; k < parts.length; k++) {
    const piece = parts[k]! + (k === parts.length - 1 ? tail : '');
    const joined = first ? cur + piece : `${cur} ${piece}`;
    if (!first && width(joined) > LIMIT) {
      lines.push(cur);
      cur = pad(col) + piece;
    } else {
      cur = joined;
    }
    first = false;
  }
  lines.push(cur);
  return lines;
}

function matching(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return s.length;
}

/** A comment at indent depth `depth`: one line when it fits, else a block comment. */
export function comment(depth: number, text: string): string[] {
  const indent = '\t'.repeat(depth);
  const one = `${indent}/* ${text} */`;
  if (width(one) <= LIMIT) return [one];
  const lines = [`${indent}/*`];
  let cur = `${indent} *`;
  for (const word of text.split(/\s+/)) {
    if (width(`${cur} ${word}`) > LIMIT && cur !== `${indent} *`) {
      lines.push(cur);
      cur = `${indent} *`;
    }
    cur += ` ${word}`;
  }
  lines.push(cur, `${indent} */`);
  return lines;
}
