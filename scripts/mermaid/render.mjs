// Renders Mermaid diagrams the way a Markdown viewer does: Mermaid 11 (this package's pinned
// copy, loaded from disk) in a headless Chromium, driven by playwright-core. Nothing is
// fetched from the network: the page is empty and Mermaid is injected from node_modules.
//
// Input (stdin): a JSON array of {"name": "...", "text": "..."}. For each diagram it checks
// that Mermaid renders it without an error, that every box (node) and group (subgraph) of the
// text is drawn, that every line of every label and edge label is in the picture, and that
// every box is drawn inside the group the text puts it in (a container inside its service,
// a service inside its cluster). Output: one line per problem, "name: message", then a
// summary; exit status 1 if there was any problem.
//
// Environment: CHROMIUM, the browser's executable (default /usr/bin/chromium).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const mermaidJS = require.resolve('mermaid/dist/mermaid.min.js');
const diagrams = JSON.parse(readFileSync(0, 'utf8'));

// The structure the text declares: boxes, groups, which group holds each, label lines.
function declared(text) {
  const boxes = [], groups = [], labels = [], parent = {};
  const stack = [];
  const lines = (s) => s.replaceAll('#quot;', '"').split('<br>');
  for (const line of text.split('\n')) {
    let m;
    if ((m = line.match(/^\s*subgraph (\w+)\["([^"]*)"\]$/))) {
      groups.push(m[1]);
      parent[m[1]] = stack.at(-1);
      stack.push(m[1]);
      labels.push(...lines(m[2]));
    } else if (line.trim() === 'end') {
      stack.pop();
    } else if ((m = line.match(/^\s*(\w+)\["([^"]*)"\]$/))) {
      boxes.push(m[1]);
      parent[m[1]] = stack.at(-1);
      labels.push(...lines(m[2]));
    } else if ((m = line.match(/\|"([^"]*)"\|/))) {
      labels.push(...lines(m[1]));
    }
  }
  return { boxes, groups, labels, parent };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
let problems = 0;
try {
  const page = await browser.newPage();
  // No request leaves the machine: the page has no URL to fetch from, and any attempt fails.
  await page.route('**/*', (route) => route.abort());
  await page.setContent('<!DOCTYPE html><html><body></body></html>');
  await page.addScriptTag({ content: readFileSync(mermaidJS, 'utf8') });
  await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
  for (const [i, { name, text }] of diagrams.entries()) {
    const want = declared(text);
    const report = (msg) => {
      problems++;
      console.log(`${name}: ${msg}`);
    };
    const got = await page.evaluate(async ({ id, text, want }) => {
      document.body.innerHTML = '';
      let svg;
      try {
        ({ svg } = await window.mermaid.render(id, text));
      } catch (err) {
        return { error: String(err.message ?? err) };
      }
      const holder = document.createElement('div');
      holder.innerHTML = svg;
      document.body.appendChild(holder);
      const root = holder.querySelector('svg');
      // Mermaid names a box's element <diagram>-flowchart-<id>-<n> and a group's
      // <diagram>-<id>; the generated ids never hold a "-".
      const box = (b) => root.querySelector(`g.node[id^="${id}-flowchart-${b}-"]`);
      const group = (g) => root.querySelector(`g.cluster[id="${id}-${g}"]`);
      const rect = (el) => {
        const r = el.getBoundingClientRect();
        return { x: r.x, y: r.y, w: r.width, h: r.height };
      };
      // What the picture says: the text of its labels, not of its style sheet.
      const said = [...root.querySelectorAll('foreignObject, text')].map((e) => e.textContent).join('\n');
      const out = { missing: [], empty: [], outside: [], text: said, rects: {} };
      for (const name of [...want.boxes, ...want.groups]) {
        const el = want.boxes.includes(name) ? box(name) : group(name);
        if (!el) {
          out.missing.push(name);
          continue;
        }
        // A group's frame is its rect; its title is checked to lie inside the frame too.
        const frame = want.boxes.includes(name) ? el : el.querySelector(':scope > rect');
        const r = rect(frame);
        if (frame !== el) {
          const title = el.querySelector(':scope > g.cluster-label');
          const t = title && rect(title);
          if (t && !(t.x >= r.x - 0.5 && t.x + t.w <= r.x + r.w + 0.5 && t.y >= r.y - 0.5 && t.y + t.h <= r.y + r.h + 0.5)) {
            out.outside.push(`the title of ${name} is drawn outside its frame ` + JSON.stringify([t, r]));
          }
        }
        if (r.w <= 0 || r.h <= 0) out.empty.push(name);
        out.rects[name] = r;
      }
      for (const [name, p] of Object.entries(want.parent)) {
        const a = out.rects[name], b = p && out.rects[p];
        if (!a || !b) continue;
        const inside = a.x >= b.x - 0.5 && a.y >= b.y - 0.5 &&
          a.x + a.w <= b.x + b.w + 0.5 && a.y + a.h <= b.y + b.h + 0.5;
        if (!inside) out.outside.push(`${name} is drawn outside ${p}`);
      }
      return out;
    }, { id: `d${i}`, text, want });
    if (got.error) {
      report(`Mermaid cannot render it: ${got.error.replace(/\s+/g, ' ')}`);
      continue;
    }
    for (const id of got.missing) report(`${id} is not drawn`);
    for (const id of got.empty) report(`${id} is drawn with no size`);
    for (const what of got.outside) report(`${what}, which holds it in the text`);
    for (const label of want.labels) {
      if (!got.text.includes(label)) report(`the picture lacks the label ${JSON.stringify(label)}`);
    }
    if (/syntax error/i.test(got.text)) report('Mermaid drew its syntax error picture');
  }
} finally {
  await browser.close();
}
console.log(`${diagrams.length} diagrams rendered, ${problems} problem${problems === 1 ? '' : 's'}`);
process.exit(problems ? 1 : 0);
