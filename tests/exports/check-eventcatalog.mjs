// Read an EventCatalog with its SDK (@eventcatalog/sdk, pinned in package.json): build the
// index the SDK makes of the directory, parse it with the SDK's index schema, resolve it, and
// read every resource back. Usage: node check-eventcatalog.mjs DIR; prints one JSON object.
import utils, { parseIndex, resolve } from '@eventcatalog/sdk';

const dir = process.argv[2];
const sdk = utils(dir);
const index = parseIndex(await sdk.buildIndex({ source: 'edac-export', commit: '0' }));
const graph = resolve([index]);
const events = await sdk.getEvents({ attachSchema: true });
const services = await sdk.getServices();
const out = {
  resources: index.resources.map((r) => [r.type, r.id, r.contentPath]),
  externals: graph.externals,
  conflicts: graph.conflicts,
  warnings: graph.warnings,
  unresolved: graph.edges.filter((e) => e.status !== 'resolved'),
  edges: graph.edges.map((e) => [e.from, e.direction, e.to, e.via ?? null]),
  events: events.map((e) => [e.id, e.owners ?? [], e.schema ? JSON.stringify(e.schema).length : 0]),
  services: services.map((s) => [s.id, (s.sends ?? []).map((p) => p.id), (s.receives ?? []).map((p) => p.id),
    (s.specifications ?? []).map ? (s.specifications ?? []).map((p) => p.path) : s.specifications]),
  domains: (await sdk.getDomains()).map((d) => [d.id, (d.services ?? []).map((p) => p.id)]),
  channels: (await sdk.getChannels()).map((c) => [c.id, c.address, c.protocols]),
  teams: (await sdk.getTeams()).map((t) => t.id),
};
console.log(JSON.stringify(out));
