#!/usr/bin/env node
// Validate Mermaid diagrams with the real Mermaid library, in every pinned version, in ONE process.
//
//   node check.mjs [--in FILE] [--out FILE] [--labels] [--parse-only] [FILE]
//
// Input: a JSON array of diagram texts (from FILE / --in FILE, else stdin).
// Output: one JSON document (to --out FILE, else stdout):
//   {
//     "versions": {"gh": "11.3.0", "latest": "12.3.0"},
//     "results": [ {"gh": {"ok": true, "error": null, "stage": null}, "latest": {...}}, ... ]
//   }
// "stage" says which check failed: "parse" (mermaid's parser), "lint" (a diagram that parses and
// may even draw, but draws wrong: see lintFlowchart), "render" (the layout/draw pipeline threw, or
// drew an error as if it were a label: see labelProblems).
// --parse-only skips rendering (10-20x faster; misses what only rendering finds).
// With --labels each version's result also has "labels": [{"kind": "node"|"edge"|"cluster",
// "id": string|null, "text": string}] read from the rendered SVG: the text a reader sees, with
// <br> as "\n" (checked against headless Chromium: identical on ~4,000 label renders).
//
// Why render too: mermaid.parse accepts diagrams that do not draw or draw wrong (a subgraph that
// contains a node with its own id; on 11.x, labels such as "1. x" drawn as "Unsupported markdown:
// list"; text over maxTextSize drawn as a placeholder). Rendering runs under happy-dom: the layout
// and label pipeline run for real, without text measurement (sizes are 0). Labels are read from a
// clone of mermaid's temporary element, taken just before mermaid removes it.
// Known happy-dom difference: its HTML parser duplicates the text before a raw "-->" inside a
// label ("A-->B" reads "AA-->B" on 12.x); escaped labels (">" as #62;) are not affected.
//
// Mermaid and its parsers log to the console (some versions print debug text on stdout). The
// protocol stays clean: console.* is sent to stderr, process.stdout.write is redirected to stderr
// while mermaid runs, and the result goes to --out FILE or, at the very end, to the real stdout.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const realStdoutWrite = process.stdout.write.bind(process.stdout);
const toStderr = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
for (const k of ['log', 'info', 'debug', 'warn', 'trace', 'dir', 'error']) console[k] = toStderr;
process.stdout.write = (chunk, encoding, cb) => process.stderr.write(chunk, encoding, cb);

// The pinned versions: role -> npm alias in package.json.
const VERSIONS = { gh: 'mermaid-gh', latest: 'mermaid-latest' };

function parseArgs(argv) {
  const opts = { input: null, output: null, labels: false, render: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--in') opts.input = argv[++i];
    else if (a === '--out') opts.output = argv[++i];
    else if (a === '--labels') opts.labels = true;
    else if (a === '--parse-only') opts.render = false;
    else if (a === '-h' || a === '--help') {
      process.stderr.write('usage: node check.mjs [--in FILE] [--out FILE] [--labels] [--parse-only] [FILE]\n');
      process.exit(0);
    } else if (!a.startsWith('--') && opts.input === null) opts.input = a;
    else throw new Error(`unknown argument: ${a}`);
  }
  return opts;
}

function errorText(e) {
  if (e === null || e === undefined) return String(e);
  if (typeof e === 'string') return e;
  const msg = e.message ?? e.str ?? String(e);
  return String(msg).trim() || String(e);
}

// Diagrams that parse (and in some versions draw without an error) but are wrong.
// A subgraph whose id is also a node: Mermaid 11.x fails to render when the subgraph contains
// the node ("Setting X as parent of X would create a cycle"); 12.x silently drops the node. A node
// declared with its own label/shape under a subgraph's id is swallowed by the subgraph in both.
// (An edge to a subgraph id, `a --> sg`, is a Mermaid feature and is not flagged.)
function lintFlowchart(diagram) {
  const db = diagram.db;
  if (typeof db?.getVertices !== 'function' || typeof db?.getSubGraphs !== 'function') return null;
  const vertices = db.getVertices();
  const get = (id) => (vertices instanceof Map ? vertices.get(id) : vertices[id]);
  const problems = [];
  for (const sg of db.getSubGraphs()) {
    const v = get(sg.id);
    if (!v) continue;
    if ((sg.nodes ?? []).includes(sg.id)) {
      problems.push(`subgraph id '${sg.id}' is also the id of a node inside it`);
    } else if (v.type !== undefined || (v.text !== undefined && v.text !== sg.id)) {
      problems.push(`subgraph id '${sg.id}' is also the id of a node declared with a label or shape`);
    }
  }
  return problems.length ? problems.join('; ') : null;
}

// Mermaid draws some failures as a normal-looking diagram instead of throwing.
const TOO_BIG = 'Mermaid draws only "Maximum text size in diagram exceeded"';
const ERROR_LABELS = [
  // 11.x reads quoted labels as markdown and draws unsupported constructs (lists, headings,
  // code spans, links, escapes...) as the text "Unsupported markdown: <type>".
  ['Unsupported markdown', 'label drawn as an error (Mermaid 11.x reads labels as markdown)'],
  // $$...$$ is KaTeX math: a browser draws a formula, happy-dom this message. Either way the
  // label does not show its text.
  ['MathML is unsupported in this environment.', 'label drawn as $$ math (KaTeX)'],
];
function labelProblems(text, labels) {
  const problems = [];
  for (const [needle, what] of ERROR_LABELS) {
    const hit = labels.filter((l) => l.text.includes(needle) && !text.includes(needle));
    if (hit.length) {
      problems.push(`${what}: ` + hit.map((l) => `${l.kind} ${JSON.stringify(l.id)} shows ${JSON.stringify(l.text)}`).join('; '));
    }
  }
  const tooBig = 'Maximum text size in diagram exceeded';
  if (labels.some((l) => l.text === tooBig) && !text.includes(tooBig)) {
    problems.push(`diagram is ${text.length} characters, over maxTextSize: ${TOO_BIG}`);
  }
  return problems.length ? problems.join('; ') : null;
}

// Text as a reader sees it: <br> -> "\n", block boundaries (<p>, <div>, svg rows) -> "\n".
function visibleText(el) {
  let out = '';
  const walk = (n) => {
    if (n.nodeType === 3) { out += n.nodeValue; return; }
    if (n.nodeType !== 1) return;
    const tag = n.localName?.toLowerCase();
    if (tag === 'style' || tag === 'script') return;
    if (tag === 'br') { out += '\n'; return; }
    const block = tag === 'p' || tag === 'div' || tag === 'li' || (tag === 'tspan' && n.getAttribute('class')?.includes('row'));
    if (block && out && !out.endsWith('\n')) out += '\n';
    for (const c of n.childNodes) walk(c);
    if (block && out && !out.endsWith('\n')) out += '\n';
  };
  walk(el);
  return out.replace(/\n+$/, '').replace(/^\n+/, '');
}

function extractLabels(host, svgId) {
  const labels = [];
  const stripId = (id) => {
    if (!id) return null;
    let s = id.startsWith(svgId + '-') ? id.slice(svgId.length + 1) : id;
    const m = /^flowchart-(.*)-\d+$/.exec(s);
    if (m) s = m[1];
    return s;
  };
  for (const g of host.querySelectorAll('g.cluster')) {
    const lab = g.querySelector('.cluster-label');
    labels.push({ kind: 'cluster', id: stripId(g.getAttribute('id')), text: lab ? visibleText(lab) : '' });
  }
  for (const g of host.querySelectorAll('g.node')) {
    const lab = g.querySelector('g.label') ?? g;
    labels.push({ kind: 'node', id: stripId(g.getAttribute('id')), text: visibleText(lab) });
  }
  for (const g of host.querySelectorAll('g.edgeLabel')) {
    const inner = g.querySelector('g.label');
    const text = visibleText(g);
    if (!text) continue;
    labels.push({ kind: 'edge', id: inner?.getAttribute('data-id') ?? null, text });
  }
  return labels;
}

// happy-dom's Node.prototype.nodeName getter returns '' (each subclass defines its own). DOMPurify
// >= 3.2 (Mermaid 12.x) reads nodeName through Node.prototype's getter to resist clobbering, so
// under plain happy-dom every text node looks like a disallowed element: "a<br>b" sanitizes to
// "<br>b", "<b>x</b>y" to "y"... and labels lose text that a browser shows. Make the base getter
// answer like a browser's (verified against headless Chromium: same label text in both).
function patchHappyDomNodeName() {
  const base = Object.getOwnPropertyDescriptor(Node.prototype, 'nodeName');
  if (!base?.get || base.get.call(document.createTextNode('')) === '#text') return;
  Object.defineProperty(Node.prototype, 'nodeName', {
    configurable: true,
    enumerable: base.enumerable,
    get() {
      for (let p = Object.getPrototypeOf(this); p && p !== Node.prototype; p = Object.getPrototypeOf(p)) {
        const own = Object.getOwnPropertyDescriptor(p, 'nodeName');
        if (own?.get) return own.get.call(this);
      }
      switch (this.nodeType) {
        case 2: return this.name;
        case 4: return '#cdata-section';
        case 7: return this.target;
        case 11: return '#document-fragment';
        default: return base.get.call(this);
      }
    },
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const raw = opts.input ? readFileSync(opts.input, 'utf8') : readFileSync(0, 'utf8');
  const texts = JSON.parse(raw);
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
    throw new Error('input must be a JSON array of strings');
  }

  // DOM globals first: mermaid (DOMPurify, d3) needs them at import time.
  const { GlobalRegistrator } = await import('@happy-dom/global-registrator');
  GlobalRegistrator.register({ width: 1920, height: 1080 });
  patchHappyDomNodeName();

  // Capture each render's temporary element just before mermaid removes it (re-parsing the SVG
  // string that mermaid.render returns is unreliable in happy-dom: <style> breaks its parser).
  const captured = new Map();
  const origRemove = Element.prototype.remove;
  Element.prototype.remove = function remove() {
    if (this.id && this.id.startsWith('dedacm')) captured.set(this.id.slice(1), this.cloneNode(true));
    return origRemove.call(this);
  };

  const require = createRequire(import.meta.url);
  const versions = {};
  const engines = {};
  for (const [role, pkg] of Object.entries(VERSIONS)) {
    versions[role] = require(`${pkg}/package.json`).version;
    const mermaid = (await import(pkg)).default;
    // Mermaid's defaults otherwise (securityLevel "strict", htmlLabels), as GitHub renders.
    mermaid.initialize({ startOnLoad: false, suppressErrorRendering: true });
    engines[role] = mermaid;
  }

  // The lint reads the flowchart db. 11.x keeps a subgraph's own id in its member list, 12.x drops
  // it silently, so the lint runs on the first version that can read the diagram and its verdict
  // applies to every version (it describes the text, not a renderer).
  const lintCache = new Map();
  async function lintFor(text) {
    if (lintCache.has(text)) return lintCache.get(text);
    let problem = null;
    for (const mermaid of Object.values(engines)) {
      // getDiagramFromText skips mermaid's preprocessing (front matter, directives): if it
      // cannot read a diagram that mermaid.parse accepted, try the next version / skip the lint.
      let diagram = null;
      try {
        diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
      } catch {
        continue;
      }
      problem = lintFlowchart(diagram);
      break;
    }
    lintCache.set(text, problem);
    return problem;
  }

  let counter = 0;
  const results = [];
  for (const text of texts) {
    const perVersion = {};
    for (const [role, mermaid] of Object.entries(engines)) {
      const res = { ok: true, error: null, stage: null };
      if (opts.labels) res.labels = null;
      let stage = 'parse';
      try {
        await mermaid.parse(text);
        stage = 'lint';
        const problem = await lintFor(text);
        if (problem) throw new Error(problem);
        if (!opts.render) {
          const max = mermaid.mermaidAPI.getConfig().maxTextSize ?? 50000;
          if (text.length > max) {
            stage = 'render';
            throw new Error(`diagram is ${text.length} characters, over maxTextSize (${max}): ${TOO_BIG}`);
          }
          perVersion[role] = res;
          continue;
        }
        stage = 'render';
        const id = `edacm${++counter}`;
        await mermaid.render(id, text);
        const host = captured.get(id);
        captured.delete(id);
        const labels = host === undefined ? null : extractLabels(host, id);
        if (opts.labels) res.labels = labels;
        const problem2 = labelProblems(text, labels ?? []);
        if (problem2) throw new Error(problem2);
      } catch (e) {
        res.ok = false;
        res.stage = stage;
        res.error = errorText(e);
        captured.clear();
      }
      perVersion[role] = res;
    }
    results.push(perVersion);
  }

  const out = JSON.stringify({ versions, results });
  if (opts.output) writeFileSync(opts.output, out);
  else await new Promise((resolve) => realStdoutWrite(out + '\n', resolve));
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`check.mjs: ${e?.stack ?? e}\n`);
    process.exit(2);
  },
);
