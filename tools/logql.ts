// Tests' reading of LogQL and of the collector's configuration: the labels a query's stream
// selectors match on (parsed with @grafana/lezer-logql, whose error nodes are syntax errors), and
// the labels a generated Alloy configuration sets.
import { parser } from "@grafana/lezer-logql";

/** The label names a LogQL query's stream selectors match on, and the number of syntax errors. */
export function logqlSelectorLabels(query: string): { labels: string[]; errors: number } {
  const tree = parser.parse(query);
  const labels: string[] = [];
  let errors = 0;
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors++;
      if (node.name === "Matcher" && node.node.parent?.name === "Matchers") {
        const identifier = node.node.getChild("Identifier");
        if (identifier) labels.push(query.slice(identifier.from, identifier.to));
      }
    },
  });
  return { labels, errors };
}

/** The labels an Alloy configuration sets: stage.labels and stage.static_labels keys, relabelled targets, stage.docker's stream. */
export function collectedLabels(text: string): Set<string> {
  const labels = new Set<string>();
  for (const [, body] of text.matchAll(/stage\.(?:static_)?labels \{\n\s*values = \{([^}]*)\}/g))
    for (const [, name] of body!.matchAll(/([A-Za-z_][A-Za-z0-9_]*) =/g)) labels.add(name!);
  if (text.includes("stage.docker")) labels.add("stream");
  for (const [, name] of text.matchAll(/target_label = "([^"]+)"/g)) labels.add(name!);
  return labels;
}
