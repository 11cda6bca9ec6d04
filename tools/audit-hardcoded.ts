// `npm run audit:hardcoded`: lists every IPv4 or CIDR literal, every number assigned to or compared
// with a name matching `port`, and every `:NNNN` inside a string, in the TypeScript sources (tests
// and fixtures aside), as `file:line: text`. Such values belong in Pulumi.yaml or a stack file.
// A deliberate exception carries `audit-allow: <reason>` in a comment on its line or the line above.
// Comments are those the TypeScript compiler reads: `//` inside a string or a template is text.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ipaddr from "ipaddr.js";
import ts from "typescript";

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly rule: string;
}

const SKIPPED_DIRS = new Set(["node_modules", ".git", "plan", "coverage", "fixtures", "__tests__", "test", "tests"]);
const isTestFile = (name: string) => /\.(test|spec)\.ts$/.test(name) || name === "test-support.ts";
const ALLOW = /audit-allow:\s*\S/;
const IPV4 = /(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(\/\d{1,2})?(?![\w.])/g;
/** `:NNNN` as in `host:5432`; not the `::1` of an IPv6 address. */
const PORT_IN_STRING = /(?<!:):\d+(?![\w:])/;
const PORT_NAME = /port/i;
/** Operators that assign, compare or default a value: `port = 1`, `port === 1`, `port ?? 1`. */
const BINDING_OPERATORS = new Set([
  ts.SyntaxKind.EqualsToken,
  ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
]);

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory())
        return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith(".") ? [] : sourceFiles(path);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !isTestFile(entry.name) ? [path] : [];
    })
    .sort();
}

function ipLiterals(text: string): string[] {
  return [...text.matchAll(IPV4)]
    .filter((m) => ipaddr.IPv4.isValidFourPartDecimal(m[1]!))
    .map((m) => (m[2] ? "CIDR literal" : "IPv4 literal"));
}

/** Wrappers that leave the value as it is: `(8000)`, `8000 as const`, `8000 satisfies number`. */
function unwrapped(node: ts.Node): ts.Node {
  const parent = node.parent;
  return ts.isParenthesizedExpression(parent) ||
    ts.isAsExpression(parent) ||
    ts.isSatisfiesExpression(parent) ||
    ts.isTypeAssertionExpression(parent)
    ? unwrapped(parent)
    : node;
}

/** The name a literal is assigned to, compared with or given as a default for, if any. */
function boundName(literal: ts.Node): string | undefined {
  const node = unwrapped(literal);
  const parent = node.parent;
  const nameOf = (n: ts.Node | undefined): string | undefined =>
    n === undefined
      ? undefined
      : ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isPrivateIdentifier(n)
        ? n.text
        : ts.isPropertyAccessExpression(n)
          ? n.name.text
          : ts.isElementAccessExpression(n)
            ? nameOf(n.argumentExpression)
            : undefined;
  if (
    ts.isVariableDeclaration(parent) ||
    ts.isParameter(parent) ||
    ts.isPropertyDeclaration(parent) ||
    ts.isPropertyAssignment(parent)
  )
    return parent.initializer === node ? nameOf(parent.name) : undefined;
  if (ts.isBinaryExpression(parent) && BINDING_OPERATORS.has(parent.operatorToken.kind))
    return nameOf(parent.left === node ? parent.right : parent.left);
  if (ts.isCaseClause(parent) && ts.isSwitchStatement(parent.parent.parent))
    return nameOf(parent.parent.parent.expression);
  return undefined;
}

interface Comment {
  readonly text: string;
  readonly start: number;
  readonly firstLine: number;
  readonly lastLine: number;
  /** Nothing but white space before it on its first line. */
  readonly ownLine: boolean;
}

/** Every comment of the source, found in the trivia around each token of its syntax tree. */
function comments(source: ts.SourceFile): Comment[] {
  const ranges = new Map<number, ts.CommentRange>();
  const collect = (found: ts.CommentRange[] | undefined) => found?.forEach((range) => ranges.set(range.pos, range));
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(source.text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(source.text, node.getEnd()));
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return [...ranges.values()].map(({ pos, end }) => {
    const first = source.getLineAndCharacterOfPosition(pos);
    return {
      text: source.text.slice(pos, end),
      start: pos,
      firstLine: first.line,
      lastLine: source.getLineAndCharacterOfPosition(end).line,
      ownLine: source.text.slice(pos - first.character, pos).trim() === "",
    };
  });
}

export function auditSource(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split("\n");
  const sourceComments = comments(source);
  const allowances = sourceComments.filter((comment) => ALLOW.test(comment.text));
  const findings: Finding[] = [];
  const report = (position: number, rule: string) => {
    const line = source.getLineAndCharacterOfPosition(position).line;
    const allowed = allowances.some(
      (c) => (c.firstLine <= line && line <= c.lastLine) || (c.lastLine === line - 1 && c.ownLine),
    );
    if (!allowed) findings.push({ file, line: line + 1, text: lines[line]!.trim(), rule });
  };
  const visit = (node: ts.Node) => {
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      for (const rule of ipLiterals(node.text)) report(node.getStart(), rule);
      if (PORT_IN_STRING.test(node.text)) report(node.getStart(), "port inside a string");
      const name = /^\d+$/.test(node.text) ? boundName(node) : undefined;
      if (name && PORT_NAME.test(name)) report(node.getStart(), `number bound to '${name}'`);
    } else if (ts.isTemplateExpression(node)) {
      // `:${8000}`: a number placed right after a colon.
      node.templateSpans.forEach((span, i) => {
        const before = i === 0 ? node.head.text : node.templateSpans[i - 1]!.literal.text;
        if (before.endsWith(":") && ts.isNumericLiteral(span.expression))
          report(span.expression.getStart(), "port inside a string");
      });
    } else if (ts.isNumericLiteral(node)) {
      const name = boundName(node);
      if (name && PORT_NAME.test(name)) report(node.getStart(), `number bound to '${name}'`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // Comments are not literals, but an address written in one goes stale the same way.
  for (const comment of sourceComments) {
    let offset = comment.start;
    for (const line of comment.text.split("\n")) {
      if (ipLiterals(line).length > 0) report(offset, "address in a comment");
      offset += line.length + 1;
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

export function audit(root: string): { findings: Finding[]; files: number } {
  const files = sourceFiles(root);
  const findings = files.flatMap((path) => auditSource(relative(root, path), readFileSync(path, "utf8")));
  return { findings, files: files.length };
}

/* c8 ignore start: the command-line wrapper, run by `npm run audit:hardcoded` in CI */
if (require.main === module) {
  const { findings, files } = audit(join(__dirname, ".."));
  for (const f of findings) console.log(`${f.file}:${f.line}: ${f.text}    [${f.rule}]`);
  console.log(
    findings.length === 0
      ? `audit:hardcoded: no IP or port literal in ${files} TypeScript files`
      : `audit:hardcoded: ${findings.length} finding(s); move the values to stack config`,
  );
  process.exitCode = findings.length === 0 ? 0 : 1;
}
/* c8 ignore stop */
