// Parses Mermaid diagrams with Mermaid's own parser, the one GitHub and editors render with.
// Input (stdin): a JSON array of {"name": "...", "text": "..."}. Output: one line per diagram
// that does not parse, "name: message"; exit status 1 if any did not.
//
// Mermaid expects a browser; jsdom provides the DOM it touches while parsing (nothing is
// rendered, nothing is fetched).
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

const diagrams = JSON.parse(readFileSync(0, 'utf8'));
let failed = 0;
for (const { name, text } of diagrams) {
  try {
    const { diagramType } = await mermaid.parse(text);
    if (diagramType !== 'flowchart-v2') {
      throw new Error(`parsed as ${diagramType}, not a flowchart`);
    }
  } catch (err) {
    failed++;
    console.log(`${name}: ${String(err.message ?? err).replace(/\s+/g, ' ')}`);
  }
}
console.log(`${diagrams.length - failed} of ${diagrams.length} diagrams parsed`);
process.exit(failed ? 1 : 0);
