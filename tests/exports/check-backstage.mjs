// Validate Backstage entities with @backstage/catalog-model (pinned in package.json): the
// policies the catalog applies to every entity it reads (schema, default namespace, no
// foreign root fields, field formats) and the validator of each entity's kind; then every
// relation the entities declare is resolved among them. Usage: node check-backstage.mjs
// FILE; prints one JSON object {entities, errors, refs, unresolved}.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as model from '@backstage/catalog-model';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');

const policy = model.EntityPolicies.allOf([
  new model.SchemaValidEntityPolicy(), new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(), new model.FieldFormatEntityPolicy(),
]);
const validators = [model.apiEntityV1alpha1Validator, model.componentEntityV1alpha1Validator,
  model.resourceEntityV1alpha1Validator, model.systemEntityV1alpha1Validator,
  model.domainEntityV1alpha1Validator, model.groupEntityV1alpha1Validator,
  model.userEntityV1alpha1Validator, model.locationEntityV1alpha1Validator];

const text = await readFile(process.argv[2], 'utf8');
const docs = yaml.loadAll(text);
const errors = [];
const known = new Set();
for (const doc of docs) {
  const where = `${doc?.kind}:${doc?.metadata?.name}`;
  try {
    const entity = await policy.enforce(doc);
    let handled = false;
    for (const v of validators) handled = (await v.check(entity)) || handled;
    if (!handled) errors.push(`${where}: no validator takes kind ${doc.kind}`);
    known.add(model.stringifyEntityRef(entity).toLowerCase());
  } catch (e) {
    errors.push(`${where}: ${e.message}`);
  }
}
const refs = [];
const kinds = { owner: 'group', system: 'system', providesApis: 'api', consumesApis: 'api',
  dependsOn: 'component', dependencyOf: 'component' };
for (const doc of docs) {
  for (const [field, kind] of Object.entries(kinds)) {
    const value = doc?.spec?.[field];
    for (const ref of value === undefined ? [] : [].concat(value)) {
      const parsed = model.parseEntityRef(ref, { defaultKind: kind, defaultNamespace: 'default' });
      refs.push([model.stringifyEntityRef(doc), field, model.stringifyEntityRef(parsed)]);
    }
  }
}
const unresolved = refs.filter(([, field, to]) => field !== 'owner' && !known.has(to.toLowerCase()));
console.log(JSON.stringify({ entities: docs.map((d) => model.stringifyEntityRef(d)), errors, refs, unresolved }));
