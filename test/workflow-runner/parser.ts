import { registerHooks } from 'node:module';

// GitHub's own workflow parser (@actions/workflow-parser, the schema and
// template reader of GitHub's language services). It imports its JSON schema
// without an import attribute, which Node refuses (vitest leaves the package
// to Node too): a load hook adds `type: 'json'` for that package's JSON only.

let hooked = false;

function allowSchemaImport(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    load(url, context, nextLoad) {
      if (url.includes('/@actions/workflow-parser/') && url.endsWith('.json')) {
        return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
      }
      return nextLoad(url, context);
    },
  });
}

type WorkflowParser = typeof import('@actions/workflow-parser');

let parser: Promise<WorkflowParser> | undefined;

/** The parser module, loaded on first use. */
export function workflowParser(): Promise<WorkflowParser> {
  allowSchemaImport();
  parser ??= import('@actions/workflow-parser');
  return parser;
}
