import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/*
 * The shape rules a newcomer relies on to read the code one file at a time (STYLE.md, issue 22): no
 * import cycle in server/ or scripts/, no server file over 250 lines, no server function over 60
 * lines except in the migrations (a migration is one long, frozen list of columns).
 */

const ROOT = path.resolve(__dirname, '../..');
const MAX_FILE_LINES = 250;
const MAX_FUNCTION_LINES = 60;
/** The migration list (migrations.ts) and the migrations themselves (migrations/). */
const EXEMPT_FROM_FUNCTION_LENGTH = 'server/store/migrations';

interface MadgeResult {
  circular(): string[][];
  obj(): Record<string, string[]>;
  warnings(): { skipped: string[] };
}
type Madge = (paths: string[], config: Record<string, unknown>) => Promise<MadgeResult>;
// madge ships no type declarations; this is the part of its API the test uses.
const madge: Madge = require('madge');

function typeScriptFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** Every function, method, accessor, constructor and arrow function with a body longer than the limit, as `file:line (n lines)`. */
function longFunctions(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      // From the declaration's first token (its doc comment excluded) to its closing brace.
      const first = lineOf(node.getStart(source));
      const lines = lineOf(node.getEnd()) - first + 1;
      if (lines > MAX_FUNCTION_LINES) found.push(`${file}:${first} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('code shape', () => {
  test('no import cycle under server/, scripts/ or tests/support/, type-only imports included', async () => {
    const graph = await madge(['server', 'scripts', 'tests/support'], {
      baseDir: ROOT,
      fileExtensions: ['ts'],
      tsConfig: path.join(ROOT, 'tsconfig.json'),
      // A cycle made of `import type` breaks nothing at run time, but the two modules still cannot be
      // read or moved one without the other; the S3 adapter's loop was one. So types count.
      // (The parser's own deprecation notices are about madge's code, not ours.)
      detectiveOptions: { ts: { skipTypeImports: false, suppressDeprecatedPropertyWarnings: true } },
    });
    // A graph madge could not resolve would hide its cycles: every file is in it and no import was skipped.
    expect(Object.keys(graph.obj()).sort()).toEqual([...typeScriptFiles('server'), ...typeScriptFiles('scripts'), ...typeScriptFiles('tests/support')].sort());
    expect(graph.warnings().skipped).toEqual([]);
    expect(graph.circular().map((cycle) => cycle.join(' > '))).toEqual([]);
  }, 120_000);

  test(`no server file over ${MAX_FILE_LINES} lines`, () => {
    const tooLong = typeScriptFiles('server')
      .map((file) => ({ file, lines: lineCount(readFileSync(path.join(ROOT, file), 'utf8')) }))
      .filter(({ lines }) => lines > MAX_FILE_LINES)
      .map(({ file, lines }) => `${file} (${lines} lines)`);
    expect(tooLong).toEqual([]);
  });

  test(`no server function over ${MAX_FUNCTION_LINES} lines outside the migrations`, () => {
    const tooLong = typeScriptFiles('server')
      .filter((file) => !file.startsWith(EXEMPT_FROM_FUNCTION_LENGTH))
      .flatMap(longFunctions);
    expect(tooLong).toEqual([]);
  });
});
