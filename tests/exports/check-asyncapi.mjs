// Validate AsyncAPI documents with the official parser (@asyncapi/parser, pinned in
// package.json). Usage: node check-asyncapi.mjs FILE...; prints one JSON line per file:
// {file, errors: [...], warnings: [...], channels, operations, messages, payloads} where
// payloads are the message payloads as the parser reads them ($refs resolved).
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const parser = new Parser();
for (const file of process.argv.slice(2)) {
  const text = await readFile(file, 'utf8');
  const { document, diagnostics } = await parser.parse(text, { source: file });
  const pick = (severity) => diagnostics.filter((d) => d.severity === severity)
    .map((d) => `${d.code}: ${d.message} at ${(d.path || []).join('.')}`);
  const out = { file, errors: pick(DiagnosticSeverity.Error),
    warnings: pick(DiagnosticSeverity.Warning) };
  if (document) {
    out.channels = document.channels().all().map((c) => c.id());
    out.operations = document.operations().all().map((o) => [o.id(), o.action(),
      o.messages().all().map((m) => m.name())]);
    out.messages = document.messages().all().map((m) => [m.name(),
      m.payload() ? m.payload().type() : null, m.payload() ? m.payload().properties() ?
        Object.keys(m.payload().properties()) : [] : []]);
  }
  if (document) {
    out.payloads = {};
    for (const m of document.messages().all()) {
      try {
        out.payloads[m.name()] = JSON.parse(JSON.stringify(m.payload().json()));
      } catch (e) {
        out.payloads[m.name()] = { error: String(e) };
      }
    }
  }
  console.log(JSON.stringify(out));
}
