// Compile MDX pages with @mdx-js/mdx (pinned in package.json), as EventCatalog's site does,
// and list the JSX elements each page uses. Usage: node check-mdx.mjs FILE...; prints one
// JSON line per file: {file, error, elements}.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { compile } from '@mdx-js/mdx';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');

function elements(node, found) {
  if (node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') found.push(node.name);
  if (node.type === 'mdxFlowExpression' || node.type === 'mdxTextExpression') found.push('{expression}');
  if (node.type === 'html') found.push('<html>');
  for (const child of node.children ?? []) elements(child, found);
  return found;
}

for (const file of process.argv.slice(2)) {
  const text = await readFile(file, 'utf8');
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  const out = { file, error: null, elements: [], texts: [] };
  try {
    if (match) yaml.load(match[1]);
    const body = match ? text.slice(match[0].length) : text;
    const found = [];
    const texts = [];
    const collect = () => (tree) => {
      elements(tree, found);
      const walk = (n) => { if (n.type === 'text') texts.push(n.value); (n.children ?? []).forEach(walk); };
      walk(tree);
    };
    await compile(body, { remarkPlugins: [collect] });
    out.elements = found;
    out.texts = texts;
  } catch (e) {
    out.error = String(e.message ?? e);
  }
  console.log(JSON.stringify(out));
}
